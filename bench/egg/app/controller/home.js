const { Controller } = require('egg');

class HomeController extends Controller {
  async index() {
    this.ctx.set('x-worker', String(process.pid));
    this.ctx.body = 'hello world';
  }
}

module.exports = HomeController;
