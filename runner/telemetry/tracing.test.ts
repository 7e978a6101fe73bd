import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { inSpan } from './spans.ts';
import { flushTraces, setupTracing, shutdownTracing, tracing } from './tracing.ts';

// One process-wide tracer provider: the cases that leave tracing off come first.
describe('setupTracing from the standard OTEL_* environment', () => {
  it('stays off, and makes no span, when no OTLP endpoint is set', async () => {
    expect(setupTracing({})).toBe(false);
    expect(tracing.enabled).toBe(false);
    expect(await inSpan('nothing', {}, (span) => span)).toBeUndefined();
  });

  it('stays off when the SDK is disabled or the exporter is none', () => {
    expect(setupTracing({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1', OTEL_SDK_DISABLED: 'true' })).toBe(false);
    expect(setupTracing({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1', OTEL_TRACES_EXPORTER: 'none' })).toBe(
      false,
    );
    expect(tracing.enabled).toBe(false);
  });

  it('refuses gRPC with a warning naming the variable', () => {
    const warnings: string[] = [];
    expect(
      setupTracing({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, (m) =>
        warnings.push(m),
      ),
    ).toBe(false);
    expect(warnings).toEqual([expect.stringContaining('OTEL_EXPORTER_OTLP_PROTOCOL "grpc" is not supported')]);
  });

  it('exports OTLP/HTTP protobuf by default (what Jaeger, Phoenix and Langfuse take) to <endpoint>/v1/traces', async () => {
    const received: Array<{ url: string | undefined; type: string | undefined; bytes: number }> = [];
    const server = createServer((req, res) => {
      let bytes = 0;
      req.on('data', (c: Buffer) => (bytes += c.length));
      req.on('end', () => {
        received.push({ url: req.url, type: req.headers['content-type'], bytes });
        res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      });
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    try {
      expect(
        setupTracing({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }),
      ).toBe(true);
      expect(await inSpan('a span', {}, (span) => span?.isRecording())).toBe(true);
      await flushTraces();
      expect(received).toEqual([{ url: '/v1/traces', type: 'application/x-protobuf', bytes: expect.any(Number) }]);
      expect(received[0]!.bytes).toBeGreaterThan(0);
    } finally {
      await shutdownTracing();
      await new Promise((ok) => server.close(ok));
    }
  });
});
