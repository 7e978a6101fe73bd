import { afterEach, describe, expect, it } from 'vitest';
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import '../i18n/index.ts';
import i18n from '../i18n/index.ts';
import { Inspector } from './Inspector.tsx';
import { EditorProvider } from '../store/editorContext.tsx';
import { createEditorStore } from '../store/editorStore.ts';
import { newGraph } from '../model/newGraph.ts';

afterEach(async () => {
  cleanup();
  await i18n.changeLanguage('en');
});

function setup() {
  const store = createEditorStore(newGraph('inspector'));
  render(
    <EditorProvider store={store}>
      <Inspector />
    </EditorProvider>,
  );
  return store;
}

describe('Inspector', () => {
  it('renders the form from the kind schema and commits an edit as one undo step', async () => {
    await i18n.changeLanguage('en');
    const store = setup();
    act(() => void store.getState().addAgent('assistant', { x: 0, y: 0 }));
    const prompt = screen.getByLabelText('System message');
    expect(screen.getByLabelText('Context window (messages)')).toHaveProperty('value', '50');
    expect((screen.getByLabelText('Model') as HTMLSelectElement).value).toBe('scripted');
    const before = store.temporal.getState().pastStates.length;
    fireEvent.change(prompt, { target: { value: 'Be brief.' } });
    fireEvent.change(prompt, { target: { value: 'Be brief and kind.' } });
    fireEvent.blur(prompt);
    expect(store.getState().graph.agents[0]!.config).toMatchObject({ systemMessage: 'Be brief and kind.' });
    expect(store.temporal.getState().pastStates.length).toBe(before + 1);
  });

  it('edits router rules as a list and subscription kinds on edges', () => {
    const store = setup();
    let router = '';
    act(() => {
      router = store.getState().addAgent('router', { x: 0, y: 0 });
    });
    fireEvent.click(screen.getByTestId('config-rules-add'));
    expect(store.getState().graph.agents[0]!.config).toMatchObject({
      rules: [{ match: 'keyword', topic: 'input', caseSensitive: false }],
    });

    act(() => {
      const result = store.getState().connect('input', router);
      if (result.ok) store.getState().setSelection({ nodes: [], edges: [result.id] });
    });
    fireEvent.change(screen.getByTestId('field-subscription-kind'), { target: { value: 'prefix' } });
    expect(store.getState().graph.subscriptions[0]!.kind).toBe('prefix');
  });

  it('switches language at run time', async () => {
    const store = setup();
    act(() => void store.getState().addAgent('assistant', { x: 0, y: 0 }));
    expect(screen.getByText('System message')).toBeTruthy();
    await act(() => i18n.changeLanguage('zh'));
    expect(screen.getByText('系统提示词')).toBeTruthy();
  });

  it('picks an assistant’s tools and a terminator’s thresholds', () => {
    const store = setup();
    let assistant = '';
    act(() => {
      assistant = store.getState().addAgent('assistant', { x: 0, y: 0 });
    });
    fireEvent.click(screen.getByRole('checkbox', { name: 'calculator' }));
    fireEvent.click(screen.getByRole('checkbox', { name: 'http_get' }));
    expect(store.getState().graph.agents[0]!.config).toMatchObject({ tools: ['calculator', 'http_get'] });

    act(() => void store.getState().addAgent('terminator', { x: 0, y: 0 }));
    const max = screen.getByLabelText('Max messages');
    fireEvent.change(max, { target: { value: '12' } });
    fireEvent.blur(max);
    const mention = screen.getByLabelText('Stop on mention');
    fireEvent.change(mention, { target: { value: 'DONE' } });
    fireEvent.blur(mention);
    expect(store.getState().graph.agents[1]!.config).toEqual({ maxMessages: 12, mention: 'DONE' });
    expect(store.getState().graph.agents.find((a) => a.id === assistant)!.config).toMatchObject({
      tools: ['calculator', 'http_get'],
    });
  });

  it('marks a topic as entry or output', () => {
    const store = setup();
    act(() => store.getState().setSelection({ nodes: ['output'], edges: [] }));
    fireEvent.click(screen.getByTestId('mark-entry'));
    expect(store.getState().graph.entry).toBe('output');
    fireEvent.click(screen.getByTestId('mark-output'));
    expect(store.getState().graph.output).toEqual([]);
  });
});

describe('Inspector connections', () => {
  it('wires and unwires a node without a pointer, as one undo step each', () => {
    const store = setup();
    let agent = '';
    act(() => {
      agent = store.getState().addAgent('assistant', { x: 0, y: 0 });
    });
    fireEvent.change(screen.getByTestId('connect-subscribe'), { target: { value: 'input' } });
    fireEvent.change(screen.getByTestId('connect-publish'), { target: { value: 'output' } });
    expect(store.getState().graph.subscriptions).toEqual([expect.objectContaining({ topic: 'input', agent })]);
    expect(store.getState().graph.publications).toEqual([expect.objectContaining({ agent, topic: 'output' })]);
    fireEvent.click(screen.getAllByRole('button', { name: 'Disconnect' })[0]!);
    expect(store.getState().graph.subscriptions).toEqual([]);
    store.temporal.getState().undo();
    expect(store.getState().graph.subscriptions).toHaveLength(1);
  });
});
