export default { todo: { welcome: 'todo (test)', pageSize: 5 } };
