/**
 * What an etcd member has served since it started, per gRPC method (`Range`, `Watch`, `Put`,
 * `LeaseGrant`...), read from its Prometheus endpoint: `grpc_server_started_total` counts every
 * call and stream it accepted, whatever came of it.
 */
export async function callsServed(clientUrl: string): Promise<Record<string, number>> {
  const response = await fetch(`${clientUrl}/metrics`);
  if (!response.ok) throw new Error(`${clientUrl}/metrics answered ${response.status}`);
  const served: Record<string, number> = {};
  for (const line of (await response.text()).split('\n')) {
    const match =
      /^grpc_server_started_total\{.*grpc_method="(\w+)".*\} (\d+(?:\.\d+)?(?:e\+\d+)?)$/.exec(
        line,
      );
    if (match) served[match[1]!] = (served[match[1]!] ?? 0) + Number(match[2]);
  }
  return served;
}

/**
 * How many watch events a member has sent since it started, to all its watchers together
 * (`etcd_debugging_mvcc_events_total`): what a put costs a fleet that watches it.
 */
export async function watchEventsSent(clientUrl: string): Promise<number> {
  const response = await fetch(`${clientUrl}/metrics`);
  if (!response.ok) throw new Error(`${clientUrl}/metrics answered ${response.status}`);
  const line = (await response.text())
    .split('\n')
    .find((text) => text.startsWith('etcd_debugging_mvcc_events_total '));
  if (!line) throw new Error(`${clientUrl}/metrics has no etcd_debugging_mvcc_events_total`);
  return Number(line.split(' ')[1]);
}
