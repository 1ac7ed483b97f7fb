import { innermostMessage } from '../errors';

/** The innermost cause's message: a person wants the reason, not the chain of wrappers. */
export const describeError = innermostMessage;
