export { sampleAlert } from './alerts.js';
export { type Answer, type FakeService, type ReceivedRequest, startFakeService } from './fake-service.js';
export { SAMPLE_APP_ID, SIGN_EXAMPLE, sampleBody, sampleNames, sampleQuery, sampleText } from './fixtures.js';
export { uniquePrefix } from './prefix.js';
export { seededRandom } from './prng.js';
export { testRedisUrl } from './provided-context.js';
export { freePort, startRedisServer, type TestRedisOptions, type TestRedisServer } from './redis-server.js';
