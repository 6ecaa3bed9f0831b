export default { greeting: 'hello' };
