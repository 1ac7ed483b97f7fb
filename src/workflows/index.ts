/** Workflow entry points registered with the worker. No I/O here: activities do it. */
export { syncSource, sourceProgressQuery } from './sync-source';
export { syncResource, resourceProgressQuery } from './sync-resource';
