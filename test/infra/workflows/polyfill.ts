/** `Promise.withResolvers` for aws-local-stepfunctions on Node.js 20: the polyfill the local runner uses. */
import '../../../sandbox/actions/promisePolyfill.js';
