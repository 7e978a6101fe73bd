import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { compareRun, loadTestCases, saveTestCases, type Comparison, type TestCase } from '../run/testCases.ts';
import { playScript } from '../run/actions.ts';
import { useUi } from '../store/uiStore.ts';

type Props = { graphId: string; ensureSaved: () => Promise<number | undefined> };

/** Recorded sessions kept as tests; re-running one against the edited graph shows where it diverges. */
export function TestsPanel({ graphId, ensureSaved }: Props) {
  const { t } = useTranslation();
  const toast = useUi((s) => s.toast);
  const [cases, setCases] = useState<TestCase[]>(() => loadTestCases(graphId));
  const [results, setResults] = useState<Record<string, Comparison | 'running'>>({});

  useEffect(() => {
    const reload = () => setCases(loadTestCases(graphId));
    window.addEventListener('switchboard:tests', reload);
    return () => window.removeEventListener('switchboard:tests', reload);
  }, [graphId]);

  const rerun = async (test: TestCase) => {
    setResults((r) => ({ ...r, [test.id]: 'running' }));
    try {
      const version = await ensureSaved();
      const { trace } = await playScript(graphId, version, test.userMessages);
      setResults((r) => ({ ...r, [test.id]: compareRun(test, trace) }));
    } catch (e) {
      setResults(({ [test.id]: _gone, ...r }) => r);
      toast('error', (e as Error).message);
    }
  };
  const remove = (id: string) => {
    const next = cases.filter((c) => c.id !== id);
    saveTestCases(graphId, next);
    setCases(next);
  };

  if (cases.length === 0)
    return (
      <p className="muted empty" data-testid="tests-panel">
        {t('tests.none')}
      </p>
    );
  return (
    <div className="tests" data-testid="tests-panel">
      {cases.map((test) => {
        const result = results[test.id];
        return (
          <article key={test.id} className="test-case" data-testid="test-case">
            <header>
              <strong>{test.name}</strong>
              <span className="muted">
                {t('tests.summary', {
                  messages: t('counts.userMessages', { count: test.userMessages.length }),
                  steps: t('counts.replies', { count: test.expected.length }),
                })}
              </span>
              <span className="spacer" />
              <button
                type="button"
                className="small"
                onClick={() => void rerun(test)}
                disabled={result === 'running'}
                data-testid="rerun-test"
              >
                {result === 'running' ? t('tests.running') : t('tests.rerun')}
              </button>
              <button type="button" className="small ghost" onClick={() => remove(test.id)}>
                {t('inspector.remove')}
              </button>
            </header>
            {result && result !== 'running' && <Diff comparison={result} />}
          </article>
        );
      })}
    </div>
  );
}

function Diff({ comparison }: { comparison: Comparison }) {
  const { t } = useTranslation();
  const { actual, expected, divergesAt } = comparison;
  if (divergesAt === undefined)
    return (
      <p className="pass" data-testid="test-pass">
        ✓ {t('tests.pass', { count: expected.length })}
      </p>
    );
  const rows = Math.max(actual.length, expected.length);
  return (
    <div data-testid="test-diverged">
      <p className="fail">✗ {t('tests.diverged', { step: divergesAt + 1 })}</p>
      <table className="diff">
        <thead>
          <tr>
            <th>#</th>
            <th>{t('tests.expected')}</th>
            <th>{t('tests.actual')}</th>
          </tr>
        </thead>
        <tbody>
          {Array.from({ length: rows }, (_, i) => (
            <tr key={i} className={i === divergesAt ? 'diverged' : i > divergesAt ? 'after' : ''}>
              <td>{i + 1}</td>
              <td>{expected[i] ? `${expected[i].sender} → #${expected[i].topic}: ${expected[i].content}` : '—'}</td>
              <td>{actual[i] ? `${actual[i].sender} → #${actual[i].topic}: ${actual[i].content}` : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
