package alert_test

import (
	"context"
	"testing"

	"github.com/zoho2sheets/zoho2sheets/alert"
)

// A webhook secret pasted with a trailing newline (or spaces) is accepted by
// New, so it must also be the URL posted to: the alert must arrive.
func TestWebhookWithSurroundingSpaceIsDelivered(t *testing.T) {
	w := newWebhook(t)
	n, err := alert.New(" "+w.URL()+"\n", alert.WithHTTPClient(w.srv.Client()))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if err := n.Failure(context.Background(), alert.Failure{Module: "Leads", Err: "boom", Run: fixedNow()}); err != nil {
		t.Fatalf("Failure: %v", err)
	}
	if len(w.Bodies()) != 1 {
		t.Fatalf("%d posts arrived, want 1", len(w.Bodies()))
	}
}
