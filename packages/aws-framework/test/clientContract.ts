// The contract of the client's tests: browser-safe, so the Chromium test bundles it into its page.
import { z } from 'zod';
import { defineContract } from '../src/contract/index.js';

export const testContract = defineContract({
  actions: {
    echo: z.object({ text: z.string() }),
    note: z.object({ text: z.string() }),
    shout: z.object({ text: z.string() }),
    slowEcho: z.object({ text: z.string(), ms: z.number() }),
    fail: z.object({ text: z.string().min(3, 'Too short') }),
  },
  events: {
    shouted: z.object({ text: z.string() }),
  },
  replies: {
    echo: z.object({ text: z.string() }),
    slowEcho: z.object({ text: z.string() }),
  },
});
