export default { todo: { welcome: 'todo (local)' } };
