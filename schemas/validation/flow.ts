import { problem, type Problem } from '../problem.ts';
import type { GraphView } from './view.ts';

/**
 * Rules about how messages move through the whole graph. They need every node and edge, so they
 * run only on a structurally valid document.
 */
export function flowProblems(view: GraphView): Problem[] {
  if (!view.complete) return [];
  const problems: Problem[] = [];
  const topicType = new Map(view.topics.map(({ item }) => [item.id, item.type]));

  // AutoGen's matching: a "type" subscription takes exactly its topic, a "prefix" subscription
  // every topic whose type starts with its topic's type. Looking a topic's type prefixes up in a
  // map keeps this linear in the graph's size, even for hostile graphs with thousands of edges.
  const exact = new Map<string, string[]>();
  const byPrefix = new Map<string, string[]>();
  for (const { item: sub } of view.subscriptions) {
    const subType = topicType.get(sub.topic);
    if (subType === undefined) continue;
    const [map, key] = sub.kind === 'type' ? [exact, sub.topic] : [byPrefix, subType];
    const list = map.get(key);
    if (list) list.push(sub.agent);
    else map.set(key, [sub.agent]);
  }
  const memo = new Map<string, string[]>();
  const receivers = (topicId: string): string[] => {
    const known = memo.get(topicId);
    if (known) return known;
    const type = topicType.get(topicId);
    const out = [...(exact.get(topicId) ?? [])];
    for (let k = 1; type !== undefined && k <= type.length; k++) {
      for (const agent of byPrefix.get(type.slice(0, k)) ?? []) out.push(agent);
    }
    memo.set(topicId, out);
    return out;
  };
  const publishes = new Map<string, string[]>();
  for (const { item } of view.publications) {
    const list = publishes.get(item.agent);
    if (list) list.push(item.topic);
    else publishes.set(item.agent, [item.topic]);
  }
  const outputs = new Set(view.output.map(({ item }) => item));

  const entryKnown = view.entry !== undefined && topicType.has(view.entry);
  const entryServed = entryKnown && receivers(view.entry!).length > 0;
  if (entryKnown && !entryServed) {
    problems.push(
      problem(
        'error',
        ['entry'],
        'entry_unsubscribed',
        `no agent subscribes to the entry topic "${view.entry}", so a user's message goes nowhere`,
        {},
        { topic: view.entry ?? '' },
      ),
    );
  }

  const startKnown = view.start !== undefined && topicType.has(view.start);
  if (startKnown && receivers(view.start!).length === 0) {
    problems.push(
      problem(
        'warning',
        ['start'],
        'start_unsubscribed',
        `no agent subscribes to the start topic "${view.start}", so the session-start message goes nowhere`,
        { nodeId: view.start },
        { topic: view.start ?? '' },
      ),
    );
  }

  // Agents reached from the start topic are reached too: they greet before the first message.
  const reached = new Set<string>();
  const queue = [
    ...(entryKnown ? [view.entry!] : []),
    ...(startKnown && view.start !== view.entry ? [view.start!] : []),
  ];
  const seenTopics = new Set(queue);
  while (queue.length) {
    for (const agent of receivers(queue.shift()!)) {
      if (reached.has(agent)) continue;
      reached.add(agent);
      for (const topic of publishes.get(agent) ?? []) {
        if (!seenTopics.has(topic) && topicType.has(topic)) {
          seenTopics.add(topic);
          queue.push(topic);
        }
      }
    }
  }
  for (const { index, item: agent } of view.agents) {
    // Without a working entry every agent would be flagged; the entry problem already says why.
    if (entryServed && !reached.has(agent.id)) {
      problems.push(
        problem(
          'error',
          ['agents', index],
          'unreachable',
          `agent "${agent.id}" cannot be reached from the entry topic: no chain of subscriptions and publications leads to it`,
          { nodeId: agent.id },
          { agent: agent.id },
        ),
      );
    }
    if (agent.kind !== 'terminator' && !publishes.has(agent.id)) {
      problems.push(
        problem(
          'warning',
          ['agents', index],
          'no_publication',
          `agent "${agent.id}" publishes to no topic, so its results go nowhere`,
          { nodeId: agent.id },
          { agent: agent.id },
        ),
      );
    }
  }

  for (const { index, item: pub } of view.publications) {
    if (topicType.has(pub.topic) && receivers(pub.topic).length === 0 && !outputs.has(pub.topic)) {
      problems.push(
        problem(
          'warning',
          ['publications', index, 'topic'],
          'no_subscriber',
          `publishes to topic "${pub.topic}", which no agent subscribes to and which is not an output, so messages there go nowhere`,
          { edgeId: pub.id },
          { topic: pub.topic, agent: pub.agent },
        ),
      );
    }
  }

  const publishedTopics = new Set(view.publications.map(({ item }) => item.topic));
  for (const { index, item: topic } of view.output) {
    if (topicType.has(topic) && !publishedTopics.has(topic) && topic !== view.entry) {
      problems.push(
        problem(
          'warning',
          ['output', index],
          'output_unpublished',
          `no agent publishes to the output topic "${topic}", so the user never sees anything there`,
          { nodeId: topic },
          { topic },
        ),
      );
    }
  }
  return problems;
}
