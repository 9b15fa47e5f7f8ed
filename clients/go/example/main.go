// Command example is a Go service calling the LLM gateway over gRPC.
//
// It shows Generate, GenerateStream, Status and Budget, a deadline, a
// cancellation, and how to read the machine-readable error details of a
// failed call (google.rpc ErrorInfo, RetryInfo, BadRequest and the gateway's
// AttemptTrail). It prints one `name=value` line per result.
//
//	example [HOST:PORT]   (default $LLMGW_ADDR, else 127.0.0.1:50051)
package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"strings"
	"time"

	llmgatewayv1 "github.com/llm-gateway/llm-gateway/gen/go/llmgateway/v1"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/status"
)

func out(name string, value interface{}) { fmt.Printf("%s=%v\n", name, value) }

// codeNames spells gRPC codes as the other languages do (codes.Code.String()
// says "DeadlineExceeded").
var codeNames = []string{"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT",
	"DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED",
	"RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
	"UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"}

func codeName(err error) string {
	c := status.Code(err)
	if int(c) < len(codeNames) {
		return codeNames[c]
	}
	return c.String()
}

func userRequest(text string) *llmgatewayv1.GenerateRequest {
	return &llmgatewayv1.GenerateRequest{
		Model: "gpt-4o-mini",
		Messages: []*llmgatewayv1.ChatMessage{
			{Role: llmgatewayv1.Role_ROLE_USER, Content: text}},
	}
}

// reportError prints the code and the typed details of a failed call.
func reportError(prefix string, err error) {
	out(prefix+".code", codeName(err))
	st, _ := status.FromError(err)
	for _, detail := range st.Details() {
		switch d := detail.(type) {
		case *errdetails.ErrorInfo:
			out(prefix+".reason", d.GetReason())
			out(prefix+".domain", d.GetDomain())
			if p, ok := d.GetMetadata()["provider"]; ok {
				out(prefix+".provider", p)
			}
		case *errdetails.RetryInfo:
			out(prefix+".retry_delay_s", d.GetRetryDelay().GetSeconds())
		case *errdetails.BadRequest:
			out(prefix+".field", d.GetFieldViolations()[0].GetField())
		case *llmgatewayv1.AttemptTrail:
			for _, a := range d.GetAttempts() {
				out(prefix+".trail", fmt.Sprintf("%s/%s:%s:%d", a.GetProvider(),
					a.GetModel(), a.GetOutcome(), a.GetHttpStatus()))
			}
		}
	}
}

func main() {
	addr := os.Getenv("LLMGW_ADDR")
	if len(os.Args) > 1 {
		addr = os.Args[1]
	}
	if addr == "" {
		addr = "127.0.0.1:50051"
	}
	conn, err := grpc.Dial(addr, grpc.WithInsecure())
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	client := llmgatewayv1.NewLlmGatewayClient(conn)

	// Every call gets a deadline through its context.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	reply, err := client.Generate(ctx, userRequest("hello gateway"))
	if err != nil {
		log.Fatal(err)
	}
	out("generate.text", reply.GetText())
	out("generate.provider", reply.GetProvider())
	out("generate.cost_nano_usd", reply.GetCostNanoUsd())

	stream, err := client.GenerateStream(ctx, userRequest("stream this"))
	if err != nil {
		log.Fatal(err)
	}
	var deltas []string
	var summary *llmgatewayv1.StreamSummary
	for {
		event, err := stream.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			log.Fatal(err)
		}
		if d := event.GetDelta(); d != nil {
			deltas = append(deltas, d.GetText())
		} else if s := event.GetSummary(); s != nil {
			summary = s
		}
	}
	out("stream.deltas", len(deltas))
	out("stream.text", strings.Join(deltas, ""))
	out("stream.provider", summary.GetProvider())

	st, err := client.Status(ctx, &llmgatewayv1.StatusRequest{})
	if err != nil {
		log.Fatal(err)
	}
	out("status.state", st.GetState())
	var names []string
	for _, p := range st.GetProviders() {
		names = append(names, p.GetName())
	}
	out("status.providers", strings.Join(names, ","))

	budget, err := client.Budget(ctx, &llmgatewayv1.BudgetRequest{})
	if err != nil {
		log.Fatal(err)
	}
	out("budget.limit_nano_usd", budget.GetLimitNanoUsd())
	out("budget.spent_nano_usd", budget.GetSpentNanoUsd())

	// A deadline that passes while the provider is slow.
	short, cancelShort := context.WithTimeout(context.Background(), 500*time.Millisecond)
	_, err = client.Generate(short, userRequest("slow"))
	cancelShort()
	out("deadline.code", codeName(err))

	// Cancelling a call in flight.
	cancellable, cancelNow := context.WithCancel(ctx)
	time.AfterFunc(500*time.Millisecond, cancelNow)
	_, err = client.Generate(cancellable, userRequest("cancel me"))
	out("cancel.code", codeName(err))

	// Errors a program can read: the provider rate-limits every attempt.
	if _, err = client.Generate(ctx, userRequest("rate limited")); err != nil {
		reportError("ratelimit", err)
	}

	// Invalid input: the field that is wrong, as a BadRequest violation.
	bad := userRequest("hi")
	bad.MaxTokens = -1
	if _, err = client.Generate(ctx, bad); err != nil {
		reportError("invalid", err)
	}
}
