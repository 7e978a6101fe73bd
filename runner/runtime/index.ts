export { AgentId, TopicId } from './ids.ts';
export { DROP } from './types.ts';
export type {
  Agent,
  AgentFactory,
  AgentRuntime,
  Drop,
  HandlerError,
  InterventionHandler,
  KeySnapshot,
  MessageContext,
  PublishOptions,
  SendOptions,
  Subscription,
} from './types.ts';
export { SourceKeyedSubscription, TypePrefixSubscription, TypeSubscription } from './subscriptions.ts';
export { SingleThreadedAgentRuntime, type RuntimeOptions } from './single-threaded-runtime.ts';
export { KeyClosedError, MessageDroppedError, RecipientNotFoundError } from './errors.ts';
export { copyMessage, MessageShapeError } from './copy.ts';
