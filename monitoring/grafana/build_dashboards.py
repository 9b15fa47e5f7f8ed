#!/usr/bin/env python3
"""Writes the gateway's Grafana dashboards (monitoring/grafana/*.json).

The JSON files are the product (import them into Grafana, or mount them with
a dashboard provisioner); this script is how they are kept consistent: edit
it, run `python3 monitoring/grafana/build_dashboards.py`, commit both.
Every panel is checked by //monitoring/grafana:dashboards_typecheck_test
(Grafana's dashboard model) and //tests/observe:dashboard_queries_test (each
query returns data from a real Prometheus scraping a real gateway).
"""
import json
import os

DS = {"type": "prometheus", "uid": "${datasource}"}
I = 'instance=~"$instance"'
P = 'provider=~"$provider"'
M = 'request_model=~"$model"'
# The RPCs that run a call through a provider (Status and Budget do not).
GEN = 'method=~"Generate|GenerateStream|Embed"'
SERVER_ERRORS = 'code=~"UNAVAILABLE|INTERNAL|UNKNOWN|DEADLINE_EXCEEDED|DATA_LOSS"'
RI = "$__rate_interval"
IV = "$__interval"
# Process metrics of gateway targets only.
GW = f"on (instance) group_left (version) llmgw_build_info{{{I}}}"


def q(expr, legend="", instant=False):
    t = {"refId": "", "expr": expr, "legendFormat": legend, "datasource": DS}
    if instant:
        t["instant"] = True
        t["range"] = False
    return t


def panel(kind, title, desc, targets, unit="short", w=12, h=8, extra=None):
    p = {
        "type": kind,
        "title": title,
        "description": desc,
        "datasource": DS,
        "gridPos": {"h": h, "w": w, "x": 0, "y": 0},
        "targets": targets,
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
        "options": {},
    }
    if kind == "timeseries":
        p["options"] = {"legend": {"displayMode": "table", "placement": "bottom",
                                   "calcs": ["lastNotNull", "max"]},
                        "tooltip": {"mode": "multi", "sort": "desc"}}
    elif kind == "stat":
        p["options"] = {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "",
                                          "values": False},
                        "colorMode": "value", "graphMode": "area"}
    elif kind == "table":
        p["options"] = {"showHeader": True}
        p["transformations"] = [{"id": "labelsToFields", "options": {}}]
    if extra:
        p.update(extra)
    return p


def thresholds(*steps):
    return {"mode": "absolute",
            "steps": [{"color": c, "value": v} for v, c in steps]}


def var_query(name, label, query):
    return {
        "type": "query", "name": name, "label": label, "datasource": DS,
        "query": {"query": query, "refId": "PrometheusVariableQueryEditor-VariableQuery"},
        "refresh": 2, "includeAll": True, "multi": True,
        "allValue": ".*", "sort": 1, "hide": 0, "options": [],
    }


def variables():
    return [
        {"type": "datasource", "name": "datasource", "label": "Data source",
         "query": "prometheus", "hide": 0, "refresh": 1,
         "regex": "", "options": []},
        var_query("instance", "Instance", "label_values(llmgw_build_info, instance)"),
        var_query("provider", "Provider",
                  f"label_values(llmgw_upstream_requests_total{{{I}}}, provider)"),
        var_query("model", "Model",
                  f"label_values(llmgw_upstream_requests_total{{{I},{P}}}, request_model)"),
    ]


def layout(panels):
    """Places panels left to right, top to bottom, and numbers them."""
    x = y = row_h = 0
    for i, p in enumerate(panels, start=1):
        g = p["gridPos"]
        if x + g["w"] > 24:
            x, y, row_h = 0, y + row_h, 0
        g["x"], g["y"] = x, y
        x += g["w"]
        row_h = max(row_h, g["h"])
        p["id"] = i
        for j, t in enumerate(p["targets"]):
            t["refId"] = chr(ord("A") + j)
    return panels


def dashboard(uid, title, desc, panels):
    return {
        "uid": uid, "title": title, "description": desc,
        "tags": ["llmgw", "llm-gateway"], "timezone": "browser",
        "editable": True, "graphTooltip": 1, "schemaVersion": 39, "version": 1,
        "time": {"from": "now-1h", "to": "now"}, "refresh": "30s",
        "fiscalYearStartMonth": 0, "liveNow": False,
        "templating": {"list": variables()},
        "annotations": {"list": []},
        "links": [{"type": "dashboards", "title": "LLM gateway", "tags": ["llmgw"],
                   "asDropdown": False, "includeVars": True, "keepTime": True,
                   "icon": "external link", "targetBlank": False,
                   "tooltip": "", "url": ""}],
        "panels": layout(panels),
    }


def quantiles(metric, sel, by="", qs=(0.5, 0.99), legend_prefix=""):
    group = f"le{', ' + by if by else ''}"
    out = []
    for qv in qs:
        lbl = "".join("{{" + b.strip() + "}} " for b in by.split(",") if b.strip())
        out.append(q(f"histogram_quantile({qv}, sum by ({group}) "
                     f"(rate({metric}_bucket{{{sel}}}[{RI}])))",
                     f"{legend_prefix}{lbl}p{int(qv * 100)}"))
    return out


def overview():
    calls = f"llmgw_requests_total{{{I},{GEN}}}"
    return dashboard("llmgw-overview", "LLM gateway / Overview",
                     "Is the gateway serving? Calls, errors, latency, spend, resources.", [
        panel("stat", "Calls per second", "Generate and GenerateStream calls handled.",
              [q(f"sum(rate({calls}[{RI}]))")], "reqps", w=6, h=4),
        panel("stat", "Server error ratio",
              "Calls ending UNAVAILABLE, DEADLINE_EXCEEDED, INTERNAL, UNKNOWN or DATA_LOSS. "
              "Alert LlmgwErrorRatioHigh above 5%. Open 'Providers and keys' to find the provider.",
              [q(f"sum(rate(llmgw_requests_total{{{I},{GEN},{SERVER_ERRORS}}}[{RI}])) / "
                 f"sum(rate({calls}[{RI}]))")], "percentunit", w=6, h=4,
              extra={"fieldConfig": {"defaults": {"unit": "percentunit", "thresholds":
                     thresholds((None, "green"), (0.01, "orange"), (0.05, "red"))},
                     "overrides": []}}),
        panel("stat", "Providers available",
              "Configured providers that can be admitted now (circuit not open, a key healthy).",
              [q(f"sum(llmgw_provider_available{{{I}}})", "available"),
               q(f"count(llmgw_provider_available{{{I}}})", "configured")], w=6, h=4),
        panel("stat", "Spend in range (USD)", "Committed spend over the dashboard's time range.",
              [q(f"sum(increase(llmgw_cost_nano_usd_total{{{I}}}[$__range])) / 1e9")],
              "currencyUSD", w=6, h=4),
        panel("timeseries", "Calls by status code",
              "gRPC status of every Generate/GenerateStream call. RESOURCE_EXHAUSTED = budget "
              "refusals; UNAVAILABLE = every provider of the plan failed.",
              [q(f"sum by (code) (rate({calls}[{RI}]))", "{{code}}")], "reqps"),
        panel("timeseries", "Call duration", "Arrival to final status, all calls.",
              quantiles("llmgw_request_duration_seconds", f"{I},{GEN}"), "s"),
        panel("timeseries", "Gateway overhead p99",
              "Call duration minus time upstream and in retry backoffs: the gateway's own "
              "time. Alert LlmgwOverheadP99High above 25 ms.",
              quantiles("llmgw_gateway_overhead_seconds", I, "method", (0.99,)), "s"),
        panel("timeseries", "Calls in flight", "Peak calls being served per interval.",
              [q(f"sum by (method) (max_over_time(llmgw_requests_in_flight{{{I}}}[{IV}]))",
                 "{{method}}")]),
        panel("timeseries", "Upstream attempts by outcome",
              "success, error (see 'Providers and keys' for the type) and skipped "
              "(circuit open / no healthy key).",
              [q(f"sum by (outcome) (rate(llmgw_upstream_requests_total{{{I},{P},{M}}}[{RI}]))",
                 "{{outcome}}")], "reqps"),
        panel("timeseries", "Retries and fallbacks",
              "Retry rounds started and moves to the next target of a call's plan.",
              [q(f"sum(rate(llmgw_retries_total{{{I},{P}}}[{RI}]))", "retries"),
               q(f"sum(rate(llmgw_fallbacks_total{{{I},{P}}}[{RI}]))", "fallbacks")], "ops"),
        panel("timeseries", "Embeddings",
              "Embed RPC: texts embedded per second by the provider that answered "
              "(llmgw_embed_inputs_total), and Embed calls per second by status code. "
              "FAILED_PRECONDITION with reason FEATURE_UNSUPPORTED = no model of the plan "
              "serves embeddings (docs/contract.md).",
              [q(f"sum by (provider) (rate(llmgw_embed_inputs_total{{{I},{P}}}[{RI}]))",
                 "texts {{provider}}"),
               q(f'sum by (code) (rate(llmgw_requests_total{{{I},method="Embed"}}[{RI}]))',
                 "calls {{code}}")], "ops", w=24),
        panel("timeseries", "HTTP front requests by status",
              "OpenAI-compatible HTTP front (--http_port): requests by route and HTTP status. "
              "4xx = caller errors (400 bad JSON or field, 401/403 auth, 404 model, 413/431 "
              "too large, 429 budget or rate limit); 5xx = every provider failed (502/503) "
              "or the gateway failed (500). Empty when the front is off.",
              [q(f"sum by (route, status) (rate(llmgw_http_front_requests_total{{{I}}}[{RI}]))",
                 "{{route}} {{status}}")], "reqps", w=8),
        panel("timeseries", "HTTP front latency",
              "Receipt of an HTTP front request to its last byte queued (streams: the whole "
              "stream), by route.",
              quantiles("llmgw_http_front_request_duration_seconds", I, "route"), "s", w=8),
        panel("timeseries", "HTTP front connections",
              "Peak open HTTP front connections per interval (keep-alive included); bounded "
              "by max_connections (docs/http-front.md).",
              [q(f"max by (instance) (max_over_time(llmgw_http_front_connections{{{I}}}[{IV}]))",
                 "{{instance}}")], w=8),
        panel("timeseries", "CPU", "CPU seconds per second used by each gateway process.",
              [q(f"rate(process_cpu_seconds_total[{RI}]) * {GW}", "{{instance}}")],
              "percentunit", w=8),
        panel("timeseries", "Resident memory", "RSS of each gateway process.",
              [q(f"process_resident_memory_bytes * {GW}", "{{instance}}")], "bytes", w=8),
        panel("timeseries", "File descriptors and threads",
              "Open fds (alert at 80% of the limit) and threads (constant: no thread per call).",
              [q(f"process_open_fds * {GW}", "fds {{instance}}"),
               q(f"llmgw_process_threads{{{I}}}", "threads {{instance}}")], w=8),
        panel("table", "Build", "Version and compiler of each instance.",
              [q(f"llmgw_build_info{{{I}}}", "", instant=True)], w=24, h=5),
    ])


def providers():
    up = f"llmgw_upstream_requests_total{{{I},{P},{M}"
    return dashboard("llmgw-providers", "LLM gateway / Providers and keys",
                     "Which provider fails, why, and which keys are out.", [
        panel("stat", "Available now",
              "1 = the provider can be admitted; 0 = circuit open or no healthy key "
              "(alert LlmgwProviderDown).",
              [q(f"llmgw_provider_available{{{I},{P}}}", "{{provider}}")], w=8, h=5,
              extra={"fieldConfig": {"defaults": {"unit": "short", "thresholds":
                     thresholds((None, "red"), (1, "green"))}, "overrides": []}}),
        panel("timeseries", "Circuit state",
              "1 while the circuit is in that state. open = calls refused until the "
              "cooldown; half_open = one probe in flight.",
              [q(f"max by (provider, state) (max_over_time(llmgw_circuit_state{{{I},{P}}}[{IV}]))",
                 "{{provider}} {{state}}")], w=8, h=5),
        panel("timeseries", "Consecutive failures",
              "Transient failures in a row; the circuit opens at the configured threshold.",
              [q(f"max by (provider) (max_over_time(llmgw_circuit_consecutive_failures{{{I},{P}}}[{IV}]))",
                 "{{provider}}")], w=8, h=5),
        panel("timeseries", "Keys by state",
              "ok / cooling_down (rate limited or failing) / removed (rejected by the "
              "provider). No ok key = alert LlmgwAllKeysOut.",
              [q(f"sum by (provider, state) (llmgw_provider_keys{{{I},{P}}})",
                 "{{provider}} {{state}}")]),
        panel("table", "Key states now",
              "Each key by fingerprint (never the key) and its current state. Find the "
              "key with `llmgw status`; rotate removed keys in the Secret and reload.",
              [q(f"llmgw_key_state{{{I},{P}}} == 1", "", instant=True)]),
        panel("timeseries", "Key cooldown remaining",
              "Seconds until a cooling key is tried again.",
              [q(f"max by (provider, key) (max_over_time(llmgw_key_cooldown_remaining_seconds{{{I},{P}}}[{IV}]))",
                 "{{provider}} {{key}}")], "s"),
        panel("timeseries", "Upstream attempts by provider",
              "Attempts made (not skipped), per provider.",
              [q(f'sum by (provider) (rate({up},outcome!="skipped"}}[{RI}]))',
                 "{{provider}}")], "reqps"),
        panel("timeseries", "Upstream errors by type",
              "error_type: rate_limited (add keys), auth_error (rotate key), timeout (slow "
              "provider), transient_error (5xx), model_not_found, invalid_request (caller).",
              [q(f'sum by (provider, error_type) (rate({up},outcome="error"}}[{RI}]))',
                 "{{provider}} {{error_type}}")], "reqps"),
        panel("timeseries", "Upstream error ratio",
              "Failed share of attempts made (caller errors and cancellations excluded); "
              "alert LlmgwProviderErrorRatioHigh above 20%.",
              [q(f'sum by (provider) (rate({up},outcome="error",error_type!~"invalid_request|cancelled"}}[{RI}])) / '
                 f'sum by (provider) (rate({up},outcome!="skipped"}}[{RI}]))', "{{provider}}")],
              "percentunit"),
        panel("timeseries", "Skipped attempts",
              "Calls that could not try the provider: circuit_open or no_healthy_key.",
              [q(f'sum by (provider, error_type) (rate({up},outcome="skipped"}}[{RI}]))',
                 "{{provider}} {{error_type}}")], "reqps"),
        panel("timeseries", "Upstream attempt duration",
              "Per provider; compare with the provider's status page and your timeouts.",
              quantiles("llmgw_upstream_request_duration_seconds", f"{I},{P},{M}", "provider"),
              "s"),
        panel("timeseries", "Upstream connections opened vs requests",
              "New upstream connections (TCP, plus TLS for https) against requests "
              "made, all providers. Connections near the request rate: they are not "
              "reused and every call pays a handshake (docs/operations.md).",
              [q(f"sum(rate(llmgw_upstream_connections_opened_total{{{I}}}[{RI}]))",
                 "connections opened"),
               q(f'sum(rate(llmgw_upstream_requests_total{{{I},outcome!="skipped"}}[{RI}]))',
                 "requests made")], "ops"),
        panel("timeseries", "Upstream exchanges in flight",
              "Peak HTTP exchanges waiting for a provider's reply per interval, per "
              "gateway replica.",
              [q(f"max by (instance) (max_over_time(llmgw_upstream_exchanges_in_flight{{{I}}}[{IV}]))",
                 "{{instance}}")]),
        panel("timeseries", "Retries by reason",
              "Retry rounds, by the provider and reason of the failure before them.",
              [q(f"sum by (provider, reason) (rate(llmgw_retries_total{{{I},{P}}}[{RI}]))",
                 "{{provider}} {{reason}}")], "ops"),
        panel("timeseries", "Fallbacks by reason",
              "Calls that left this provider for the next target, and why.",
              [q(f"sum by (provider, reason) (rate(llmgw_fallbacks_total{{{I},{P}}}[{RI}]))",
                 "{{provider}} {{reason}}")], "ops"),
    ])


def budget():
    return dashboard("llmgw-budget", "LLM gateway / Budget and spend",
                     "Budget limits, spend, reservations and the ledger.", [
        panel("stat", "Global budget used",
              "(spent + reserved) / limit in this window. Alerts at 80% and 100%.",
              [q(f'(llmgw_budget_spent_nano_usd{{{I},scope="global"}} + '
                 f'llmgw_budget_reserved_nano_usd{{{I},scope="global"}}) / '
                 f'(llmgw_budget_limit_nano_usd{{{I},scope="global"}} > 0)', "{{instance}}")],
              "percentunit", w=6, h=5,
              extra={"fieldConfig": {"defaults": {"unit": "percentunit", "thresholds":
                     thresholds((None, "green"), (0.8, "orange"), (1, "red"))},
                     "overrides": []}}),
        panel("stat", "Window resets in", "Time until each scope's window starts over.",
              [q(f"min by (scope) (llmgw_budget_window_remaining_seconds{{{I}}})", "{{scope}}")],
              "s", w=6, h=5),
        panel("stat", "Budget refusals in range",
              "Calls refused RESOURCE_EXHAUSTED because a scope could not cover them.",
              [q(f'sum(increase(llmgw_ledger_operations_total{{{I},operation="reserve",result="refused"}}[$__range]))')],
              w=6, h=5),
        panel("stat", "Ledger reachable", "0 = the ledger cannot be read (alert LlmgwLedgerDown).",
              [q(f"min by (backend) (llmgw_ledger_up{{{I}}})", "{{backend}}")], w=6, h=5,
              extra={"fieldConfig": {"defaults": {"unit": "short", "thresholds":
                     thresholds((None, "red"), (1, "green"))}, "overrides": []}}),
        panel("timeseries", "Scope usage", "(spent + reserved) / limit per limited scope.",
              [q(f"(llmgw_budget_spent_nano_usd{{{I}}} + llmgw_budget_reserved_nano_usd{{{I}}}) / "
                 f"(llmgw_budget_limit_nano_usd{{{I}}} > 0)", "{{scope}}")], "percentunit"),
        panel("timeseries", "Spent in window (USD)", "Committed spend per scope this window.",
              [q(f"llmgw_budget_spent_nano_usd{{{I}}} / 1e9", "{{scope}}")], "currencyUSD"),
        panel("timeseries", "Remaining (USD)", "What each limited scope can still reserve.",
              [q(f"llmgw_budget_remaining_nano_usd{{{I}}} / 1e9", "{{scope}}")], "currencyUSD"),
        panel("timeseries", "Reserved by calls in flight (USD)",
              "Worst-case cost held until calls settle (peak per interval).",
              [q(f"max by (scope) (max_over_time(llmgw_budget_reserved_nano_usd{{{I}}}[{IV}])) / 1e9",
                 "{{scope}}")], "currencyUSD"),
        panel("timeseries", "Limits (USD)", "Configured limit per window (0 = unlimited).",
              [q(f"llmgw_budget_limit_nano_usd{{{I}}} / 1e9", "{{scope}}")], "currencyUSD"),
        panel("timeseries", "Open reservations", "Reservations not yet settled (peak per interval).",
              [q(f"sum by (scope) (max_over_time(llmgw_budget_open_reservations{{{I}}}[{IV}]))",
                 "{{scope}}")]),
        panel("timeseries", "Spend rate by provider and model (USD/h)",
              "Who spends: committed cost per hour.",
              [q(f"sum by (provider, request_model) (rate(llmgw_cost_nano_usd_total{{{I},{P},{M}}}[{RI}])) * 3600 / 1e9",
                 "{{provider}}/{{request_model}}")], "currencyUSD"),
        panel("timeseries", "Tokens per second", "Charged tokens by token type.",
              [q(f"sum by (token_type) (rate(llmgw_tokens_total{{{I},{P},{M}}}[{RI}]))",
                 "{{token_type}}")]),
        panel("table", "Tokens by response model",
              "The models providers say answered (first 8 per request model; then 'other').",
              [q(f"sum by (provider, request_model, response_model) "
                 f"(increase(llmgw_tokens_total{{{I},{P},{M}}}[$__range]))", "", instant=True)]),
        panel("timeseries", "Lifetime spend and hard cap (USD)",
              "Spend across all windows against budget.hard_safety_cap (0 = none).",
              [q(f"llmgw_budget_lifetime_spent_nano_usd{{{I}}} / 1e9", "spent {{instance}}"),
               q(f"llmgw_budget_hard_cap_nano_usd{{{I}}} / 1e9", "cap {{instance}}")],
              "currencyUSD"),
        panel("timeseries", "Ledger operation latency p99",
              "Every call reserves before it goes upstream and settles after; slow ledgers "
              "add to every call (alert LlmgwLedgerSlow).",
              quantiles("llmgw_ledger_operation_duration_seconds", I, "backend, operation",
                        (0.99,)), "s", w=24),
    ])


def latency():
    return dashboard("llmgw-latency", "LLM gateway / Latency and streams",
                     "Time to first token, per-token latency, overhead and where time goes.", [
        panel("timeseries", "Time to first token",
              "Streams: arrival to the first delta sent to the caller (includes failover).",
              quantiles("llmgw_time_to_first_token_seconds", f"{I},{P},{M}",
                        qs=(0.5, 0.9, 0.99)), "s"),
        panel("timeseries", "Time to first token p99 by provider and model", "",
              quantiles("llmgw_time_to_first_token_seconds", f"{I},{P},{M}",
                        "provider, request_model", (0.99,)), "s"),
        panel("timeseries", "Time per output token",
              "Successful calls: after the first token (streams), or per token (unary).",
              quantiles("llmgw_time_per_output_token_seconds", f"{I},{P},{M}"), "s"),
        panel("timeseries", "Output tokens per second by provider", "",
              [q(f'sum by (provider) (rate(llmgw_tokens_total{{{I},{P},{M},token_type="output"}}[{RI}]))',
                 "{{provider}}")]),
        panel("timeseries", "Call duration by method", "",
              quantiles("llmgw_request_duration_seconds", I, "method"), "s"),
        panel("timeseries", "Upstream attempt duration p99 by provider and model", "",
              quantiles("llmgw_upstream_request_duration_seconds", f"{I},{P},{M}",
                        "provider, request_model", (0.99,)), "s"),
        panel("timeseries", "Gateway overhead by method",
              "Duration minus upstream time and retry backoffs.",
              quantiles("llmgw_gateway_overhead_seconds", I, "method"), "s"),
        panel("timeseries", "Where a call's time goes (p50 by phase)",
              "queued: arrival to the event loop; dispatch: to the upstream "
              "request; upstream: the attempts; settle: pricing and reply; "
              "commit: until the charge is recorded (durable); reply: handing "
              "the reply to gRPC. The phase that grows is the one to fix.",
              quantiles("llmgw_call_phase_seconds", f'{I},method="Generate"', "phase",
                        (0.5,)), "s"),
        panel("timeseries", "Overhead share of call time",
              "Gateway time / total call time: near 0 when providers dominate.",
              [q(f"sum(rate(llmgw_gateway_overhead_seconds_sum{{{I}}}[{RI}])) / "
                 f"sum(rate(llmgw_request_duration_seconds_sum{{{I},{GEN}}}[{RI}]))")],
              "percentunit"),
        panel("timeseries", "Streams in flight", "Peak streams being served per interval.",
              [q(f'max_over_time(llmgw_requests_in_flight{{{I},method="GenerateStream"}}[{IV}])',
                 "{{instance}}")]),
        panel("timeseries", "Ledger operation latency p99", "",
              quantiles("llmgw_ledger_operation_duration_seconds", I, "operation", (0.99,)),
              "s"),
    ])


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    for name, build in [("overview", overview), ("providers", providers),
                        ("budget", budget), ("latency", latency)]:
        with open(os.path.join(here, f"llmgw-{name}.json"), "w") as f:
            json.dump(build(), f, indent=2)
            f.write("\n")


if __name__ == "__main__":
    main()
