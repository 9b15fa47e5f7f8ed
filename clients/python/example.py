#!/usr/bin/python3
"""A Python service calling the LLM gateway over gRPC.

Shows Generate, GenerateStream, Status and Budget, a deadline, a
cancellation, and how to read the machine-readable error details of a failed
call (google.rpc ErrorInfo, RetryInfo, BadRequest and the gateway's
AttemptTrail). Prints one `name=value` line per result (the test checks them).

    PYTHONPATH=clients/python/gen /usr/bin/python3 clients/python/example.py 127.0.0.1:50051

Needs apt python3-grpcio (Debian 12) and the code from generate.sh.
"""

import os
import sys
import time

import grpc
from google.rpc import error_details_pb2 as rpc_details
from google.rpc import status_pb2
from llmgateway.v1 import error_details_pb2 as gw_details
from llmgateway.v1 import gateway_pb2 as pb
from llmgateway.v1 import gateway_pb2_grpc


def out(name, value):
    print(f"{name}={value}", flush=True)


def user_request(text, model="gpt-4o-mini", **fields):
    return pb.GenerateRequest(
        model=model,
        messages=[pb.ChatMessage(role=pb.ROLE_USER, content=text)],
        **fields)


def error_details(err: grpc.RpcError):
    """Decodes grpc-status-details-bin (a google.rpc.Status) of a failed call."""
    details = {}
    for key, value in err.trailing_metadata() or ():
        if key != "grpc-status-details-bin":
            continue
        status = status_pb2.Status.FromString(value)
        for any_detail in status.details:
            for cls in (rpc_details.ErrorInfo, rpc_details.RetryInfo,
                        rpc_details.BadRequest, gw_details.AttemptTrail):
                if any_detail.Is(cls.DESCRIPTOR):
                    message = cls()
                    any_detail.Unpack(message)
                    details[cls.DESCRIPTOR.name] = message
    return details


def report_error(prefix, err: grpc.RpcError):
    out(f"{prefix}.code", err.code().name)
    details = error_details(err)
    info = details.get("ErrorInfo")
    if info is not None:
        out(f"{prefix}.reason", info.reason)
        out(f"{prefix}.domain", info.domain)
        if "provider" in info.metadata:
            out(f"{prefix}.provider", info.metadata["provider"])
    retry = details.get("RetryInfo")
    if retry is not None:
        out(f"{prefix}.retry_delay_s", retry.retry_delay.ToTimedelta().seconds)
    bad = details.get("BadRequest")
    if bad is not None:
        out(f"{prefix}.field", bad.field_violations[0].field)
    trail = details.get("AttemptTrail")
    if trail is not None:
        for a in trail.attempts:
            out(f"{prefix}.trail", f"{a.provider}/{a.model}:"
                f"{pb.AttemptOutcome.Name(a.outcome)}:{a.http_status}")


def main(addr):
    with grpc.insecure_channel(addr) as channel:
        stub = gateway_pb2_grpc.LlmGatewayStub(channel)

        # Every call gets a deadline; the gateway stops working on the call
        # (and its upstream request) when it passes.
        reply = stub.Generate(user_request("hello gateway"), timeout=10)
        out("generate.text", reply.text)
        out("generate.provider", reply.provider)
        out("generate.cost_nano_usd", reply.cost_nano_usd)

        deltas, summary = [], None
        for event in stub.GenerateStream(user_request("stream this"),
                                         timeout=10):
            if event.HasField("delta"):
                deltas.append(event.delta.text)
            elif event.HasField("summary"):
                summary = event.summary
        out("stream.deltas", len(deltas))
        out("stream.text", "".join(deltas))
        out("stream.provider", summary.provider)

        status = stub.Status(pb.StatusRequest(), timeout=5)
        out("status.state", pb.ServingState.Name(status.state))
        out("status.providers", ",".join(p.name for p in status.providers))

        budget = stub.Budget(pb.BudgetRequest(), timeout=5)
        out("budget.limit_nano_usd", budget.limit_nano_usd)
        out("budget.spent_nano_usd", budget.spent_nano_usd)

        # A deadline that passes while the provider is slow.
        try:
            stub.Generate(user_request("slow"), timeout=0.5)
        except grpc.RpcError as err:
            out("deadline.code", err.code().name)

        # Cancelling a call in flight.
        future = stub.Generate.future(user_request("cancel me"), timeout=10)
        time.sleep(0.5)
        future.cancel()
        try:
            future.result()
        except grpc.FutureCancelledError:
            out("cancel.code", "CANCELLED")
        except grpc.RpcError as err:
            out("cancel.code", err.code().name)

        # Errors a program can read: the provider rate-limits every attempt.
        try:
            stub.Generate(user_request("rate limited"), timeout=10)
        except grpc.RpcError as err:
            report_error("ratelimit", err)

        # Invalid input: the field that is wrong, as a BadRequest violation.
        try:
            stub.Generate(user_request("hi", max_tokens=-1), timeout=5)
        except grpc.RpcError as err:
            report_error("invalid", err)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else
         os.environ.get("LLMGW_ADDR", "127.0.0.1:50051"))
