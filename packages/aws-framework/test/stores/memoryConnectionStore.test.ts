import { MemoryConnectionStore } from 'aws-framework';
import { describeConnectionStoreContract } from './connectionStore.contract.js';

describeConnectionStoreContract('MemoryConnectionStore', () => new MemoryConnectionStore());
