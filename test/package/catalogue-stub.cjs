// Preload for `node-red-dev validate` (node --require this-file): answers requests to
// catalogue.nodered.org with an empty catalogue, so the scorecard runs without that host.
// Requests to the npm registry (P06, P07, D03) go through untouched.
// Consequence: P08 (similar names) and N01 (unique type names) are checked against nothing.
const path = require('node:path');

const devDir = path.dirname(require.resolve('node-red-dev/package.json'));
const axios = require(require.resolve('axios', { paths: [devDir] }));
const realGet = axios.get.bind(axios);

axios.get = (url, ...rest) => {
  if (typeof url === 'string' && new URL(url).hostname === 'catalogue.nodered.org') {
    return Promise.resolve({ status: 200, data: { modules: [] } });
  }
  return realGet(url, ...rest);
};
