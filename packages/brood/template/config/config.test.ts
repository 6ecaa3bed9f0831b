export default { greeting: 'hello from the tests' };
