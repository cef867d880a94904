export type Level = 'debug' | 'info' | 'warn' | 'error' | 'success';
