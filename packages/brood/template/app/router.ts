import { defineRouter } from 'brood';

export default defineRouter((router, app) => {
  router.get('/', app.controller.home.index);
  router.get('/visits', app.controller.home.visits);
  router.get('/motd', app.controller.home.motd);
});
