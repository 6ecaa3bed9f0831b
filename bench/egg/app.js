const BURST = 10000;

// The worker side of the messenger measurement, as in bench/fixtures/messenger/app.ts.
module.exports = (app) => {
  app.messenger.on('bench:ping', (data) => app.messenger.sendToAgent('bench:pong', data));
  let received = 0;
  app.messenger.on('bench:burst', () => {
    if (++received === BURST) app.messenger.sendToAgent('bench:burst-done', { received });
  });
};
