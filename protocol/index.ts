// The one place where extension, companion and webview agree. A message not declared here
// does not exist.
export * from './common';
export * from './messages';
export * from './limits';
export * from './webview';
export * from './rpc-client';
export * from './context';
export * from './screen';
export * from './voice';
export * from './rhythm';
export * from './network';
export * from './inputs';
export * from './actions';
export * from './memory';
export * from './attachments';
export * from './code-index';
export * from './recap';
