import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { ChevronLeft, ChevronRight, Pause, Play, Square } from 'lucide-react';
import { useRun } from '../run/runStore.ts';
import { useAgentNames, useTopicNames } from '../run/agentNames.tsx';

/** One replayed message a beat: slow enough to follow on the canvas. */
const BEAT_MS = 700;

/** Scrubs through, or plays back, a recorded session; the canvas shows the hop at the slider's position. */
export function ReplayBar() {
  const { t } = useTranslation();
  const replay = useRun((s) => s.replay)!;
  const names = useAgentNames();
  const topics = useTopicNames();
  const run = useRun.getState();
  useEffect(() => {
    if (!replay.playing) return;
    const timer = setInterval(() => useRun.getState().stepReplay(), BEAT_MS);
    return () => clearInterval(timer);
  }, [replay.playing]);
  const current = replay.messages[replay.index];
  const start = replay.messages[0]?.time ?? 0;
  return (
    <div className="replay" data-testid="replay" data-playing={replay.playing || undefined}>
      <strong>{t('replay.title', { id: replay.sessionId.slice(0, 8) })}</strong>
      <button
        type="button"
        className="icon"
        aria-label={replay.playing ? t('workspace.pausePlayback') : t('workspace.play')}
        title={replay.playing ? t('workspace.pausePlayback') : t('workspace.play')}
        onClick={() => run.playReplay(!replay.playing)}
        data-testid="replay-play"
      >
        {replay.playing ? <Pause size={14} aria-hidden /> : <Play size={14} aria-hidden />}
      </button>
      <button
        type="button"
        className="icon"
        aria-label={t('replay.back')}
        title={t('replay.back')}
        onClick={() => run.seekReplay(replay.index - 1)}
      >
        <ChevronLeft size={14} aria-hidden />
      </button>
      <input
        type="range"
        min={0}
        max={Math.max(0, replay.messages.length - 1)}
        value={Math.max(0, replay.index)}
        onChange={(e) => run.seekReplay(Number(e.target.value))}
        aria-label={t('replay.slider')}
        data-testid="replay-slider"
      />
      <button
        type="button"
        className="icon"
        aria-label={t('replay.forward')}
        title={t('replay.forward')}
        onClick={() => run.seekReplay(replay.index + 1)}
      >
        <ChevronRight size={14} aria-hidden />
      </button>
      <span className="mono">
        {replay.index + 1}/{replay.messages.length} · +{current ? ((current.time - start) / 1000).toFixed(2) : '0.00'}s
      </span>
      {current && (
        <span className="replay-now">
          {names(current.sender).label} → #{topics(current.topic.type)}
        </span>
      )}
      <button type="button" onClick={() => run.stopReplay()} data-testid="replay-stop">
        <Square size={12} aria-hidden /> {t('replay.stop')}
      </button>
    </div>
  );
}
