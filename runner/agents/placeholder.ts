import { GraphAgent } from './base.ts';

/**
 * Stands in for a kind the schema names but this runner does not implement yet: the graph still
 * loads, and a message reaching the agent fails its turn with a message that says why.
 */
export class PlaceholderAgent extends GraphAgent {
  protected handle(): never {
    throw new Error(`agent kind "${this.def.kind}" has no implementation in this runner`);
  }
}
