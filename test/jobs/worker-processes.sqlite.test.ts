import { workerProcessSuite } from './worker-processes.js';

workerProcessSuite('sqlite');
