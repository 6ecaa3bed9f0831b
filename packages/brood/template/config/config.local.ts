export default { greeting: 'hello from your machine' };
