// Every figure the report shows: where it comes from in a scenario's
// result, how it is printed, and Pulseboard's target for it.

const kilo = n => n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e4 ? `${Math.round(n / 1e3)}k` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : String(Math.round(n))
export const FORMAT = {
  rate: n => `${kilo(n)}/s`,
  bytes: n => n >= 1048576 ? `${(n / 1048576).toFixed(1)} MB` : `${(n / 1024).toFixed(1)} KB`,
  ms: n => `${n < 10 ? n.toFixed(2) : n.toFixed(1)} ms`,
  us: n => `${n < 10 ? n.toFixed(2) : n.toFixed(1)} µs`,
  seconds: n => `${n.toFixed(1)} s`,
  count: n => Math.round(n).toLocaleString('en-US'),
  ratio: n => `${n.toFixed(2)}×`,
  percent: n => `${n.toFixed(1)} %`,
}

/**
 * @typedef {object} Figure
 * @property {string} scenario
 * @property {string} label
 * @property {keyof FORMAT} unit
 * @property {(result: any) => number} pick  value from one server's result of one run
 * @property {'higher'|'lower'} better
 * @property {string} [key]  names a figure other targets refer to
 * @property {string} [target]  Pulseboard's target, in words
 * @property {(pb: number, naive: number, floor: number, all: Record<string, number>) => boolean | undefined} [met]  undefined: cannot be judged from this run
 */

/** A target relative to both references can only be judged when both ran. */
function bothKnown(naive, floor) {
  return Number.isFinite(naive) && Number.isFinite(floor)
}

/** Builds the figure list for the plan that ran (client counts come from the options). */
export function figuresFor(options) {
  const figures = []
  options.fanout.steps.forEach((step, i) => figures.push({
    scenario: 'fanout',
    label: `Fan-out, ${step.clients.toLocaleString('en-US')} clients × ${step.events} events: deliveries/s`,
    unit: 'rate',
    pick: r => r[i]?.complete ? r[i].deliveriesPerSecond : NaN,
    better: 'higher',
    chart: { panel: 'fanout', x: step.clients },
    target: '≥ 10× naive and ≥ 1.0× floor',
    met: (pb, naive, floor) => bothKnown(naive, floor) ? pb >= 10 * naive && pb >= floor : undefined,
  }))
  // The server's own CPU time (utime + stime from /proc/<pid>/stat, 10 ms
  // ticks) over the burst, divided by the deliveries: what the server spends,
  // whatever the load clients on the same cores manage to read.
  options.fanout.steps.forEach((step, i) => figures.push({
    scenario: 'fanout',
    label: `Fan-out, ${step.clients.toLocaleString('en-US')} clients × ${step.events} events: server CPU per delivery`,
    unit: 'us',
    pick: r => r[i]?.complete ? r[i].serverCpuSeconds * 1e6 / (r[i].clients * r[i].events) : NaN,
    better: 'lower',
    chart: { panel: 'cpu', x: step.clients },
  }))
  options.memory.sizes.forEach((size, i) => figures.push({
    scenario: 'memory',
    label: `RSS per idle connection at ${size.toLocaleString('en-US')}`,
    unit: 'bytes',
    pick: r => r[i]?.bytesPerConnection,
    better: 'lower',
    chart: { panel: 'memory', x: size },
    target: '≤ 1.1× floor and ≤ 0.5× naive',
    met: (pb, naive, floor) => bothKnown(naive, floor) ? pb <= 1.1 * floor && pb <= 0.5 * naive : undefined,
  }))
  const sizes = options.memory.sizes
  if (sizes.length >= 2) {
    const [a, b] = [sizes.length - 2, sizes.length - 1]
    figures.push({
      scenario: 'memory',
      label: `RSS per idle connection, marginal (${sizes[a].toLocaleString('en-US')} → ${sizes[b].toLocaleString('en-US')})`,
      unit: 'bytes',
      pick: r => r[a] && r[b] ? Math.round((r[b].rss - r[a].rss) / (sizes[b] - sizes[a])) : NaN,
      better: 'lower',
    })
  }
  const lat = options.latency
  // The ≤ 5 ms target is for 1,000 clients (or the largest size measured).
  const targetSize = lat.sizes.includes(1000) ? 1000 : Math.max(...lat.sizes)
  lat.sizes.forEach((size, i) => {
    for (const [key, name] of [['p50', 'p50'], ['p99', 'p99'], ['p999', 'p99.9']]) {
      const judged = key === 'p99' && size === targetSize
      figures.push({
        scenario: 'latency',
        label: `Latency ${name}, ${size.toLocaleString('en-US')} clients, ${lat.perSecond} events/s (${lat.probes} probe clients)`,
        unit: 'ms',
        pick: r => r[i]?.[key],
        better: 'lower',
        ...(judged ? { key: 'latencyP99', target: '≤ 5 ms', met: pb => pb <= 5 } : {}),
      })
    }
  })
  // At a steady rate each event is its own tick: nothing can be batched
  // across events, so this is the per-delivery cost without bursts.
  lat.sizes.forEach((size, i) => figures.push({
    scenario: 'latency',
    label: `Steady ${lat.perSecond} events/s, ${size.toLocaleString('en-US')} clients: server CPU per delivery (whole stream, timers included)`,
    unit: 'us',
    pick: r => r[i]?.serverCpuSeconds !== undefined && r[i].deliveries ? r[i].serverCpuSeconds * 1e6 / r[i].deliveries : NaN,
    better: 'lower',
  }))
  figures.push({
    scenario: 'latency',
    label: `Latency p99 over all ${targetSize.toLocaleString('en-US')} clients (includes the load clients' own queueing)`,
    unit: 'ms',
    pick: r => r[lat.sizes.indexOf(targetSize)]?.all?.p99,
    better: 'lower',
  })
  const sc = options.scale
  figures.push({
    scenario: 'scale',
    label: `Connections held by one instance (of ${sc.single.toLocaleString('en-US')})`,
    unit: 'count',
    pick: r => r.single?.held,
    better: 'higher',
    target: `${sc.single.toLocaleString('en-US')}, zero failures`,
    met: pb => pb >= sc.single,
  }, {
    scenario: 'scale',
    label: `Connections held by ${sc.instances} instances on one Redis (of ${(sc.instances * sc.perInstance).toLocaleString('en-US')})`,
    unit: 'count',
    pick: r => r.cluster?.held,
    better: 'higher',
    target: `${(sc.instances * sc.perInstance).toLocaleString('en-US')}, zero failures`,
    met: pb => pb >= sc.instances * sc.perInstance,
  })
  const sl = options.slow
  figures.push({
    scenario: 'slow',
    label: `Slow clients: RSS growth per stalled client (${sl.slowClients} stalled, ${sl.normal.toLocaleString('en-US')} normal)`,
    unit: 'bytes',
    pick: r => r.growthPerSlowClient,
    better: 'lower',
    target: '≤ the per-client bound (1 MiB)',
    met: pb => pb <= 1_048_576,
  }, {
    scenario: 'slow',
    label: 'Slow clients: stalled clients cut off at the bound (references have none)',
    unit: 'count',
    pick: r => r.slowDisconnects ?? NaN,
    better: 'higher',
  }, {
    scenario: 'slow',
    label: 'Slow clients: normal clients\' p99 (probe clients)',
    unit: 'ms',
    pick: r => r.latency?.p99,
    better: 'lower',
    target: '≤ 2× the latency p99 at 1,000 clients',
    met: (pb, _n, _f, all) => Number.isFinite(all.latencyP99) ? pb <= 2 * all.latencyP99 : undefined,
  })
  const st = options.storm
  figures.push({
    scenario: 'storm',
    label: `Reconnect storm (${st.clients.toLocaleString('en-US')} clients): all reconnected`,
    unit: 'seconds',
    pick: r => r.allReconnectedSeconds,
    better: 'lower',
  }, {
    scenario: 'storm',
    label: 'Reconnect storm: reconnects without a response head within 30 s, or refused',
    unit: 'count',
    pick: r => r.reconnectFailures,
    better: 'lower',
    target: '0',
    met: pb => pb === 0,
  }, {
    scenario: 'storm',
    label: 'Reconnect storm: all resumed (first event after reconnecting)',
    unit: 'seconds',
    pick: r => r.allResumedSeconds ?? NaN,
    better: 'lower',
  }, {
    scenario: 'storm',
    label: 'Reconnect storm: events lost',
    unit: 'count',
    pick: r => r.lostEvents,
    better: 'lower',
    target: '0',
    met: pb => pb === 0,
  }, {
    scenario: 'storm',
    label: 'Reconnect storm: events received twice',
    unit: 'count',
    pick: r => r.duplicates,
    better: 'lower',
  })
  figures.push(...stampedeFigures(options.stampede))
  figures.push(...wallscreenFigures(options.wallscreen))
  const ha = options.ha
  for (const replicas of [0, 1]) {
    figures.push({
      scenario: 'ha',
      label: `Ingest with WAIT ${replicas} (primary + 1 replica, ${ha.collectors} collectors): publishes/s`,
      unit: 'rate',
      pick: r => r.publish?.[`wait${replicas}`]?.publishesPerSecond,
      better: 'higher',
    }, ...['p50', 'p99'].map(key => ({
      scenario: 'ha',
      label: `Ingest with WAIT ${replicas}: latency ${key}`,
      unit: 'ms',
      pick: r => r.publish?.[`wait${replicas}`]?.latency?.[key],
      better: 'lower',
    })))
  }
  for (const replicas of [0, 1]) {
    figures.push({
      scenario: 'ha',
      label: `Redis alone: append${replicas ? ' + WAIT 1' : ''}, one after the other, p50`,
      unit: 'ms',
      pick: r => r.publish?.redis?.[`wait${replicas}`]?.p50,
      better: 'lower',
    })
  }
  figures.push({
    scenario: 'ha',
    label: `Fan-out, 3 instances on a 3-primary Redis Cluster, ${ha.clients.toLocaleString('en-US')} clients × ${ha.events} events: deliveries/s`,
    unit: 'rate',
    pick: r => r.clusterFanout?.complete ? r.clusterFanout.deliveriesPerSecond : NaN,
    better: 'higher',
  })
  return figures.filter(figure => options.scenarios.includes(figure.scenario))
}

/**
 * The stampede's figures: one set per history size, each judged against the
 * same server's empty-log case (the targets are relative to it).
 */
function stampedeFigures({ viewers, sourceCounts }) {
  const figures = []
  const caseOf = (r, sources) => r.cases?.find(c => c.sources === sources)
  const empty = r => caseOf(r, 0)
  const ratioToEmpty = (r, sources, pick) => {
    const c = caseOf(r, sources)
    return c && empty(r) ? pick(c) / pick(empty(r)) : NaN
  }
  for (const sources of sourceCounts) {
    const name = sources ? `${sources} sources × 30 min` : 'empty log'
    const at = pick => (r) => {
      const c = caseOf(r, sources)
      return c && c.completed === c.viewers ? pick(c) : NaN
    }
    figures.push({
      scenario: 'stampede',
      label: `Stampede, ${viewers} viewers, ${name}: ready (stream's first byte) p50`,
      unit: 'ms',
      pick: at(c => c.readyP50Ms),
      better: 'lower',
    }, {
      scenario: 'stampede',
      label: `Stampede, ${viewers} viewers, ${name}: ready p99`,
      unit: 'ms',
      pick: at(c => c.readyP99Ms),
      better: 'lower',
    }, {
      scenario: 'stampede',
      label: `Stampede, ${name}: app CPU per viewer`,
      unit: 'ms',
      pick: at(c => c.cpuMsPerViewer),
      better: 'lower',
    }, {
      scenario: 'stampede',
      label: `Stampede, ${name}: bytes on the wire per viewer (page + history + stream start)`,
      unit: 'bytes',
      pick: at(c => c.bytesPerViewer),
      better: 'lower',
      ...(sources === 20 ? { target: '≤ 100 KB', met: pb => pb <= 100 * 1024 } : {}),
    }, {
      scenario: 'stampede',
      label: `Stampede, ${name}: history answer on the wire`,
      unit: 'bytes',
      pick: at(c => c.historyBytes),
      better: 'lower',
    }, {
      scenario: 'stampede',
      label: `Stampede, ${name}: peak RSS growth`,
      unit: 'bytes',
      pick: at(c => c.peakRssGrowth),
      better: 'lower',
      target: '≤ 150 MB',
      met: pb => pb <= 150 * 1048576,
    }, {
      scenario: 'stampede',
      label: `Stampede, ${name}: Redis CPU`,
      unit: 'seconds',
      pick: at(c => c.redisCpuSeconds),
      better: 'lower',
    })
    if (sources) {
      figures.push({
        scenario: 'stampede',
        label: `Stampede, ${name}: ready p99 ÷ empty log`,
        unit: 'ratio',
        pick: r => ratioToEmpty(r, sources, c => c.readyP99Ms),
        better: 'lower',
        target: '≤ 1.5×',
        met: pb => pb <= 1.5,
      }, {
        scenario: 'stampede',
        label: `Stampede, ${name}: CPU per viewer ÷ empty log`,
        unit: 'ratio',
        pick: r => ratioToEmpty(r, sources, c => c.cpuMsPerViewer),
        better: 'lower',
        target: '≤ 1.5×',
        met: pb => pb <= 1.5,
      })
    }
  }
  return figures
}

/** The wall screen's figures: the browser tab, judged against the fleet issue's budgets. */
function wallscreenFigures({ sources, historyMinutes, seconds }) {
  const name = `Wall screen, ${sources} sources at 1 Hz over ${historyMinutes} min of history`
  return [{
    scenario: 'wallscreen',
    label: `${name}: main thread busy (TaskDuration per second, ${seconds} s)`,
    unit: 'percent',
    pick: r => r.mainThreadBusy * 100,
    better: 'lower',
    target: '≤ 10 %',
    met: pb => pb <= 10,
  }, {
    scenario: 'wallscreen',
    label: `${name}: of which script (ScriptDuration per second)`,
    unit: 'percent',
    pick: r => r.scriptBusy * 100,
    better: 'lower',
  }, {
    scenario: 'wallscreen',
    label: `${name}: JS heap change over the measured time (after GC)`,
    unit: 'percent',
    pick: r => r.heapChange * 100,
    better: 'lower',
    target: 'within ±20 %',
    met: pb => Math.abs(pb) <= 20,
  }, {
    scenario: 'wallscreen',
    label: `${name}: JS heap at the end (after GC)`,
    unit: 'bytes',
    pick: r => r.heapEnd,
    better: 'lower',
  }, {
    scenario: 'wallscreen',
    label: `${name}: DOM nodes, most seen`,
    unit: 'count',
    pick: r => r.domNodesMax,
    better: 'lower',
  }, {
    scenario: 'wallscreen',
    label: `${name}: page height in screens`,
    unit: 'ratio',
    pick: r => r.screens,
    better: 'lower',
    target: '≤ 2',
    met: pb => pb <= 2,
  }, {
    scenario: 'wallscreen',
    label: `${name}: page height in screens, kiosk`,
    unit: 'ratio',
    pick: r => r.kioskHeight / 1080,
    better: 'lower',
    target: '≤ 1',
    met: pb => pb <= 1,
  }, {
    scenario: 'wallscreen',
    label: `${name}: JavaScript for / (gzip)`,
    unit: 'bytes',
    pick: r => r.jsGzipBytes,
    better: 'lower',
    target: '≤ 150 KB',
    met: pb => pb <= 150 * 1024,
  }]
}
