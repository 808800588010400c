package sheets

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"golang.org/x/oauth2"
	"google.golang.org/api/googleapi"
)

// Error is a failed Sheets API call. Its message says what was being done
// and what Google answered; Hint, when not empty, says how to fix it. It
// implements zsync.HintError.
type Error struct {
	Op     string // what was being done: "open spreadsheet", "write tab \"Leads\"", …
	Status int    // HTTP status, 0 when no answer came
	Reason string // Google's reason (forbidden, notFound, RATE_LIMIT_EXCEEDED, …), if any
	Msg    string // Google's message, or a description of the failure
	Err    error  // the underlying error

	hint string
}

func (e *Error) Error() string {
	s := "sheets: " + e.Op + ": "
	if e.Status != 0 {
		s += fmt.Sprintf("HTTP %d: ", e.Status)
	}
	s += e.Msg
	if e.hint != "" {
		s += " (" + e.hint + ")"
	}
	return s
}

// Hint returns how to fix the failure ("" when unknown).
func (e *Error) Hint() string { return e.hint }

func (e *Error) Unwrap() error { return e.Err }

// ErrAmbiguous marks a write that failed in a way that does not tell
// whether Google applied it (a timeout, a dropped connection, a 500). Such
// writes are not retried blindly; the caller re-reads and decides.
var ErrAmbiguous = errors.New("the write may or may not have been applied")

var projectPattern = regexp.MustCompile(`project[ _:=]+(?:number:)?([0-9]+)`)

// apiError turns an error of the Google client into an *Error with a hint.
// email is the identity's address, id the spreadsheet id.
func apiError(op, id, email string, err error) error {
	if err == nil {
		return nil
	}
	var already *Error
	if errors.As(err, &already) {
		return err
	}
	e := &Error{Op: op, Err: err}
	var ge *googleapi.Error
	var re *oauth2.RetrieveError
	switch {
	case errors.As(err, &ge):
		e.Status = ge.Code
		e.Msg = ge.Message
		if e.Msg == "" {
			e.Msg = http.StatusText(ge.Code)
		}
		e.Reason = reason(ge)
		e.hint = hintFor(e.Status, e.Reason, e.Msg, email)
		if e.Status == http.StatusNotFound {
			e.Msg = fmt.Sprintf("no spreadsheet with id %s: %s", id, e.Msg)
		}
	case errors.As(err, &re):
		// The token endpoint's answer names no secret of ours, but keep
		// only its error code and description, never the raw body.
		e.Msg = "get an access token: " + re.ErrorCode
		if re.ErrorDescription != "" {
			e.Msg += ": " + re.ErrorDescription
		}
		if re.Response != nil {
			e.Status = re.Response.StatusCode
		}
		switch re.ErrorCode {
		case "invalid_grant":
			e.hint = "the service account key was deleted or disabled, or this machine's clock is wrong: create a new key and update GOOGLE_CREDENTIALS_JSON"
		case "invalid_client", "unauthorized_client":
			e.hint = "the credentials are not accepted: check GOOGLE_CREDENTIALS_JSON / GOOGLE_APPLICATION_CREDENTIALS"
		}
	default:
		e.Msg = err.Error()
	}
	return e
}

// reason returns Google's error reason from the errors list or the
// ErrorInfo detail.
func reason(ge *googleapi.Error) string {
	for _, it := range ge.Errors {
		if it.Reason != "" {
			return it.Reason
		}
	}
	for _, d := range ge.Details {
		if m, ok := d.(map[string]any); ok {
			if r, ok := m["reason"].(string); ok && r != "" {
				return r
			}
		}
	}
	return ""
}

func hintFor(status int, reason, msg, email string) string {
	switch status {
	case http.StatusForbidden:
		if reason == "accessNotConfigured" || reason == "SERVICE_DISABLED" ||
			strings.Contains(msg, "has not been used in project") || strings.Contains(msg, "is disabled") {
			p := "of the service account"
			if m := projectPattern.FindStringSubmatch(msg); m != nil {
				p = m[1]
			}
			return fmt.Sprintf("enable the Google Sheets API in project %s: https://console.cloud.google.com/apis/library/sheets.googleapis.com, then wait a few minutes", p)
		}
		who := email
		if who == "" {
			who = "the service account's client_email"
		}
		return fmt.Sprintf("share the spreadsheet with %s as Editor", who)
	case http.StatusNotFound:
		return "check spreadsheet_id: the part of the spreadsheet's URL between /d/ and /edit, and that the spreadsheet was not deleted"
	case http.StatusTooManyRequests:
		return "the Sheets API quota (60 write and 60 read requests per minute per service account) stayed exhausted: run less often, or ask Google for a higher quota"
	case http.StatusUnauthorized:
		return "the access token was refused: check the credentials in GOOGLE_CREDENTIALS_JSON / GOOGLE_APPLICATION_CREDENTIALS"
	case http.StatusBadRequest:
		if strings.Contains(msg, "protected cell or object") {
			who := email
			if who == "" {
				who = "the service account's client_email"
			}
			return fmt.Sprintf("someone protected a range over cells the sync writes: in Data → Protect sheets and ranges, add %s to that range's editors, set it to \"Show a warning when editing this range\", or remove it", who)
		}
		if strings.Contains(msg, "10000000") || strings.Contains(msg, "limit of") {
			return "the spreadsheet is at Google's 10,000,000-cell limit: delete unused tabs, rows or columns, or sync this module into another spreadsheet"
		}
	}
	return ""
}

// errorf builds an *Error with a hint for failures found locally.
func errorf(op, hint, format string, args ...any) *Error {
	return &Error{Op: op, Msg: fmt.Sprintf(format, args...), hint: hint}
}
