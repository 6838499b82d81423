import { connectionStoreFromEnv } from './connectionStoreFromEnv.js';
import { createChatHandler } from './createChatHandler.js';

/** The Lambda entry point: the chat on the store its environment names. */
export const handler = createChatHandler(await connectionStoreFromEnv());
