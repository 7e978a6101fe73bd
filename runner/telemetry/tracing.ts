import { diag, DiagConsoleLogger, DiagLogLevel } from '@opentelemetry/api';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { SyncContextManager } from './sync-context.ts';

/** Whether spans are recorded: read on every hot path, so nothing is built when tracing is off. */
export const tracing = { enabled: false, content: false };

let provider: NodeTracerProvider | undefined;

/**
 * Switches tracing on from the standard OpenTelemetry environment: an OTLP endpoint
 * (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) turns it on;
 * OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none keep it off. OTLP over HTTP, protobuf
 * (the standard's default) or JSON (OTEL_EXPORTER_OTLP_PROTOCOL=http/json); gRPC is refused
 * with `warn`. The exporter and the sampler read their own variables from the process
 * environment (OTEL_EXPORTER_OTLP_HEADERS, OTEL_TRACES_SAMPLER...). Once per process: the
 * tracer provider and the context manager are global. With nothing set, no span is made.
 */
export function setupTracing(
  env: NodeJS.ProcessEnv = process.env,
  warn: (message: string) => void = () => {},
): boolean {
  if (provider) return true;
  tracing.content = env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT === 'true';
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!endpoint || env.OTEL_SDK_DISABLED === 'true' || env.OTEL_TRACES_EXPORTER === 'none') return false;
  // As the standard says: the traces endpoint as it is, the generic one with the signal's path.
  const url = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? `${endpoint.replace(/\/+$/, '')}/v1/traces`;
  const protocol = env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf';
  if (protocol !== 'http/protobuf' && protocol !== 'http/json') {
    warn(
      `traces are not exported: OTEL_EXPORTER_OTLP_PROTOCOL "${protocol}" is not supported; use http/protobuf or http/json`,
    );
    return false;
  }
  if (env.OTEL_LOG_LEVEL)
    diag.setLogger(
      new DiagConsoleLogger(),
      DiagLogLevel[env.OTEL_LOG_LEVEL.toUpperCase() as keyof typeof DiagLogLevel] ?? DiagLogLevel.WARN,
    );
  const resource = defaultResource()
    .merge(resourceFromAttributes({ 'service.name': 'switchboard' }))
    .merge(detectResources({ detectors: [envDetector] }));
  provider = new NodeTracerProvider({
    resource,
    spanProcessors: [
      new BatchSpanProcessor(protocol === 'http/json' ? new JsonExporter({ url }) : new ProtobufExporter({ url })),
    ],
  });
  // Also installs the W3C trace-context propagator. Contexts travel explicitly (sync-context.ts).
  provider.register({ contextManager: new SyncContextManager() });
  tracing.enabled = true;
  return true;
}

/** Sends what is buffered (tests, shutdown). */
export async function flushTraces(): Promise<void> {
  await provider?.forceFlush();
}

export async function shutdownTracing(): Promise<void> {
  await provider?.shutdown();
}
