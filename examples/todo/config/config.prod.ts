export default { todo: { welcome: 'todo' }, proxy: true };
