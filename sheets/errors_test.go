package sheets

import (
	"strings"
	"testing"

	"google.golang.org/api/googleapi"
)

// A wrong spreadsheet id is said once, with its fix once: the message
// printed as "Error: …" and then "Try: <hint>" read the id three times.
func TestNotFoundNamesTheIDAndTheFixOnce(t *testing.T) {
	err := apiError("read spreadsheet", "1NoSuch", "sa@p.iam.gserviceaccount.com",
		&googleapi.Error{Code: 404, Message: "Requested entity was not found."})
	msg := err.Error()
	for _, s := range []string{"1NoSuch", "check spreadsheet_id", "Requested entity was not found."} {
		if n := strings.Count(msg, s); n != 1 {
			t.Errorf("%q appears %d times in %q, want once", s, n, msg)
		}
	}
	if !strings.Contains(msg, "no spreadsheet with id 1NoSuch") {
		t.Errorf("%q does not say no spreadsheet with id (README's errors table)", msg)
	}
	if h := err.(*Error).Hint(); !strings.Contains(h, "check spreadsheet_id") || strings.Contains(h, "1NoSuch") {
		t.Errorf("hint %q: want the fix without repeating the id", h)
	}
}
