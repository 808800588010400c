package filter_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/zoho2sheets/zoho2sheets/filter"
	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

var deals = zsync.Schema{
	Module: "Deals",
	Fields: []zsync.Field{
		{APIName: "Deal_Name", Label: "Deal Name", DataType: "text", JSONType: "string"},
		{APIName: "Stage", DataType: "picklist", JSONType: "string"},
		{APIName: "Amount", DataType: "currency", JSONType: "double"},
		{APIName: "Probability", DataType: "integer", JSONType: "integer"},
		{APIName: "Closing_Date", DataType: "date", JSONType: "string"},
		{APIName: "Created_Time", DataType: "datetime", JSONType: "string"},
		{APIName: "Modified_Time", DataType: "datetime", JSONType: "string"},
		{APIName: "Hot", DataType: "boolean", JSONType: "boolean"},
		{APIName: "Owner", DataType: "ownerlookup", JSONType: "jsonobject"},
		{APIName: "Account_Name", DataType: "lookup", JSONType: "jsonobject", LookupModule: "Accounts"},
		{APIName: "Contact_Name", DataType: "lookup", JSONType: "jsonobject", LookupModule: "Contacts"},
		{APIName: "Tag", DataType: "text", JSONType: "jsonarray"},
		{APIName: "Photo", DataType: "imageupload", JSONType: "jsonarray"},
		{APIName: "Languages", DataType: "multiselectpicklist", JSONType: "jsonarray"},
	},
	Related: map[string][]zsync.Field{
		"Accounts": {
			{APIName: "Account_Name", DataType: "text"},
			{APIName: "Industry", DataType: "picklist"},
			{APIName: "Modified_Time", DataType: "datetime"},
			{APIName: "Parent_Account", DataType: "lookup", LookupModule: "Accounts"},
		},
		"Contacts": {
			{APIName: "Last_Name", DataType: "text"},
			{APIName: "Account_Name", DataType: "lookup", LookupModule: "Accounts"},
		},
	},
}

// berlin is the mapping's zone in these tests.
var berlin, _ = time.LoadLocation("Europe/Berlin")

// now is Wednesday 14 August 2024, 10:30 in Berlin.
var now = time.Date(2024, 8, 14, 10, 30, 0, 0, berlin)

func mustBind(t *testing.T, src string) zsync.Condition {
	t.Helper()
	f, err := filter.New(src)
	if err != nil {
		t.Fatalf("New(%q): %v", src, err)
	}
	c, err := f.Bind(deals)
	if err != nil {
		t.Fatalf("Bind(%q): %v", src, err)
	}
	return c
}

func TestWhere(t *testing.T) {
	tests := []struct{ src, want string }{
		{"Stage not in ('Closed Won','Closed Lost') and Amount >= 10000",
			"Stage not in ('Closed Won', 'Closed Lost') and Amount >= 10000"},
		{"Amount > 1 and Amount < 5 and Hot = true", "((Amount > 1 and Amount < 5) and Hot = 'true')"},
		{"Amount > 1 or Amount < 5 and Hot = false", "(Amount > 1 or (Amount < 5 and Hot = 'false'))"},
		{"(Amount > 1 or Amount < 5) and Hot = true", "((Amount > 1 or Amount < 5) and Hot = 'true')"},
		{"STAGE_X_unused = 'x' or Stage = 'a'", ""}, // unknown field: see TestBindErrors
		{"Deal_Name like 'Acme%'", "Deal_Name like 'Acme%'"},
		{"Deal_Name = 'O\\'Brien' or Deal_Name = 'it''s'", `Deal_Name = 'O\'Brien' or Deal_Name = 'it\'s'`},
		{"Deal_Name = 'back\\\\slash'", `Deal_Name = 'back\\slash'`},
		{"Amount between -5 and 2.5", "Amount between -5 and 2.5"},
		{"Closing_Date is null or Stage is not null", "Closing_Date is null or Stage is not null"},
		{"Account_Name = 554023000000238116", "Account_Name = '554023000000238116'"},
		{"Account_Name.Industry = 'Retail'", "Account_Name.Industry = 'Retail'"},
		{"Contact_Name.Account_Name.Account_Name like '%zylker%'", "Contact_Name.Account_Name.Account_Name like '%zylker%'"},
		{"id > '100'", "id > '100'"},
		// Relative dates, resolved in Berlin on Wednesday 2024-08-14 10:30 (+02:00).
		{"Created_Time >= today - 90d", "Created_Time >= '2024-05-16T00:00:00+02:00'"},
		{"Closing_Date >= today - 90d", "Closing_Date >= '2024-05-16'"},
		{"Created_Time >= now - 2h", "Created_Time >= '2024-08-14T08:30:00+02:00'"},
		{"Created_Time >= now - 90min", "Created_Time >= '2024-08-14T09:00:00+02:00'"},
		{"Closing_Date between start_of_quarter and end_of_quarter", "Closing_Date between '2024-07-01' and '2024-09-30'"},
		{"Created_Time between start_of_quarter and end_of_quarter",
			"Created_Time between '2024-07-01T00:00:00+02:00' and '2024-09-30T23:59:59+02:00'"},
		{"Closing_Date between start_of_week and end_of_week", "Closing_Date between '2024-08-12' and '2024-08-18'"},
		{"Closing_Date between start_of_month and end_of_month", "Closing_Date between '2024-08-01' and '2024-08-31'"},
		{"Closing_Date between start_of_year and end_of_year", "Closing_Date between '2024-01-01' and '2024-12-31'"},
		{"Closing_Date = yesterday or Closing_Date = tomorrow", "Closing_Date = '2024-08-13' or Closing_Date = '2024-08-15'"},
		{"Closing_Date <= end_of_month - 1mo", "Closing_Date <= '2024-07-31'"},
		{"Closing_Date >= start_of_month + 1mo - 1w + 2y", "Closing_Date >= '2026-08-25'"},
		{"Created_Time < '2024-06-05T02:04:09.123Z'", "Created_Time < '2024-06-05T02:04:09+00:00'"},
		{"TODAY_unused = 1", ""},
	}
	for _, tt := range tests {
		if tt.want == "" {
			continue
		}
		t.Run(tt.src, func(t *testing.T) {
			if got := mustBind(t, tt.src).Where(now); got != tt.want {
				t.Errorf("Where\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestWhereDSTEndOfDay(t *testing.T) {
	// 27 October 2024 has 25 hours in Berlin: the day's last second is
	// still 23:59:59 local, not 22:59:59.
	at := time.Date(2024, 10, 27, 12, 0, 0, 0, berlin)
	got := mustBind(t, "Created_Time <= end_of_week").Where(at)
	if want := "Created_Time <= '2024-10-27T23:59:59+01:00'"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestWhereEndOfMonthMovedByMonths(t *testing.T) {
	at := time.Date(2024, 3, 31, 12, 0, 0, 0, time.UTC)
	got := mustBind(t, "Closing_Date = end_of_month - 1mo").Where(at)
	if want := "Closing_Date = '2024-02-29'"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestSyntaxErrors(t *testing.T) {
	tests := []struct {
		src       string
		line, col int
		msg, hint string
	}{
		{"", 1, 1, "empty filter", "leave filter out"},
		{"Stage = \"Won\"", 1, 9, "does not quote text", "single quotes"},
		{"Stage == 'Won'", 1, 7, "== is not an operator", "single ="},
		{"Stage = 'Won' && Amount > 5", 1, 15, "& is not an operator", "and"},
		{"Stage = 'Won", 1, 9, "never closed", "close it"},
		{"Stage = Won", 1, 9, "Won is not a value", "quote text"},
		{"Created_Time >= tody - 90d", 1, 17, "tody is not a value", "did you mean today?"},
		{"Created_Time >= today - 90", 1, 25, "90 has no unit", "90d"},
		{"Created_Time >= today - 90m", 1, 25, `unknown unit "m"`, "min for minutes or mo for months"},
		{"Created_Time >= today - 2days", 1, 25, `unknown unit "days"`, "did you mean 2d?"},
		{"Created_Time >= 90d", 1, 17, "90d is a duration", "today - 90d"},
		// A number with a suffix that is no unit is not a duration either.
		{"Amount > 10k", 1, 10, "10k is not a number", "10000"},
		{"Amount > 5EUR", 1, 10, "5EUR is not a number", "quote text: '5EUR'"},
		{"Stage = 'a' and\n  (Amount > 5 or Amount < 1", 2, 28, "expected ) but found end of filter", "line 2, column 3"},
		{"Stage = 'a')", 1, 12, `unexpected ")"`, "closes no ("},
		{"Stage = 'a' Amount > 5", 1, 13, "unexpected \"Amount\"", "and / or"},
		{"Lead Source = 'Web'", 1, 6, "expected an operator after Lead", "Lead_Source?"},
		{"Stage in 'a'", 1, 10, "expected ( after in", "in ('Won', 'Lost')"},
		{"Stage in ('a' 'b')", 1, 15, "expected , or )", "commas"},
		{"Stage not = 'a'", 1, 11, "expected in, like or between after not", "!="},
		{"not Stage = 'a'", 1, 1, "COQL has no not", "not in"},
		{"Stage = null", 1, 9, "null cannot be compared", "Stage is null"},
		{"Stage != null", 1, 10, "null cannot be compared", "Stage is not null"},
		{"Stage is nul", 1, 10, "expected null after is", "is not null"},
		{"Amount between 1 or 5", 1, 18, "expected and after the first value of between", "low and high"},
		{"today = Closing_Date", 1, 1, "today is a relative date, not a field", "Created_Time >= today"},
		{"Account_Name. = 'x'", 1, 13, "ends with a dot", "Account_Name.Industry"},
		{"Amount > - 'x'", 1, 10, "expected a number after -", "-5"},
		{"Stage ! 'x'", 1, 7, "! is not an operator", "!="},
		{"Stage = 'x' or", 1, 15, "expected a field name but found end of filter", "API name"},
		{"Amount >= 10,000", 1, 13, `unexpected ","`, "without thousands separators: 10000"},
		{"Amount >= 10 000", 1, 14, `unexpected "000"`, "without thousands separators: 10000"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			_, err := filter.Parse(tt.src)
			var se *filter.SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q) = %v, want a *SyntaxError", tt.src, err)
			}
			if se.At.Line != tt.line || se.At.Col != tt.col {
				t.Errorf("position %v, want line %d, column %d (%v)", se.At, tt.line, tt.col, err)
			}
			if !strings.Contains(se.Msg, tt.msg) {
				t.Errorf("message %q, want it to contain %q", se.Msg, tt.msg)
			}
			if !strings.Contains(se.Hint, tt.hint) {
				t.Errorf("hint %q, want it to contain %q", se.Hint, tt.hint)
			}
		})
	}
}

func TestLimits(t *testing.T) {
	conds := make([]string, filter.MaxCriteria)
	for i := range conds {
		conds[i] = fmt.Sprintf("Amount > %d", i)
	}
	if _, err := filter.New(strings.Join(conds, " or ")); err != nil {
		t.Fatalf("%d conditions: %v", filter.MaxCriteria, err)
	}
	_, err := filter.New(strings.Join(append(conds, "Stage = 'x'"), " or "))
	var se *filter.SyntaxError
	if !errors.As(err, &se) || !strings.Contains(se.Msg, fmt.Sprintf("more than %d conditions", filter.MaxCriteria)) {
		t.Fatalf("%d conditions: %v, want a limit error", filter.MaxCriteria+1, err)
	}
	if want := len(strings.Join(conds, " or ")) + len(" or ") + 1; se.At.Col != want {
		t.Errorf("limit error at column %d, want %d (the first condition too many)", se.At.Col, want)
	}

	vals := make([]string, filter.MaxInValues)
	for i := range vals {
		vals[i] = fmt.Sprintf("'v%d'", i)
	}
	if _, err := filter.New("Stage in (" + strings.Join(vals, ",") + ")"); err != nil {
		t.Fatalf("%d values: %v", filter.MaxInValues, err)
	}
	_, err = filter.New("Stage not in (" + strings.Join(append(vals, "'x'"), ",") + ")")
	if err == nil || !strings.Contains(err.Error(), "lists 51 values; COQL allows 50") {
		t.Fatalf("51 values: %v", err)
	}
}

func TestBindErrors(t *testing.T) {
	tests := []struct {
		src       string
		col       int
		msg, hint string
	}{
		{"Stag = 'Won'", 1, "no such field in this module", "did you mean Stage?"},
		{"Deal Name = 'x'", 6, "expected an operator", "Deal_Name?"},
		{"Account_Name.Industy = 'Retail'", 1, "no such field in module Accounts", "did you mean Industry?"},
		{"Owner.Industry = 'x'", 1, "Owner is a lookup: it has only id, name and email", "Owner.name"},
		{"Contact_Name.Account_Name.Parent_Account.Account_Name = 'x'", 1, "more than 2 lookups", "at most two"},
		{"Account_Name.name = 'x'", 1, "COQL cannot filter on Account_Name.name", "related record"},
		{"Photo is null", 1, "COQL cannot filter on Photo, a imageupload field", "text, number"},
		{"Amount >= '10000'", 11, "'10000' is not a number value for Amount", "without quotes: 10000"},
		{"Amount >= today", 11, "not a number value", "a number such as"},
		{"Stage = 5", 9, "5 is not a text value for Stage", "quote text: Stage = '5'"},
		{"Stage > 'a'", 1, "> cannot be used on Stage (text)", "like"},
		{"Amount like '5%'", 1, "like cannot be used on Amount", "between"},
		{"Hot != true", 1, "!= cannot be used on Hot", "Hot = false"},
		{"Hot = 'yes'", 7, "not a boolean value", "write true or false"},
		{"Closing_Date >= '2024-13-01'", 17, "not a date value", "'YYYY-MM-DD'"},
		{"Closing_Date >= now - 2h", 17, "not a date value", "a date field holds days"},
		{"Created_Time >= '2024-06-01'", 17, "not a datetime value", "'2024-06-01T00:00:00+00:00'"},
		{"Created_Time >= 5", 17, "not a datetime value", "relative date"},
		{"Amount between 10000 and 0", 16, "the first value is the higher", "Amount between 0 and 10000"},
		{"Closing_Date between today and today - 30d", 22, "nothing is between them", "Closing_Date between today - 30d and today"},
		{"Closing_Date not between '2024-12-31' and '2024-01-01'", 26, "the first value is the higher", "not between '2024-01-01' and '2024-12-31'"},
		{"Created_Time between end_of_month and start_of_month", 22, "the first value is the higher", "between start_of_month and end_of_month"},
		{"Created_Time = today", 16, "compares with a single second", "(Created_Time >= today and Created_Time < today + 1d)"},
		{"Created_Time != yesterday - 1d", 17, "compares with a single second", "Created_Time < yesterday - 1d + 1d"},
		{"Created_Time = end_of_month", 16, "compares with a single second", "(Created_Time > end_of_month - 1d and Created_Time <= end_of_month)"},
		{"Account_Name = 'Zylker'", 16, "not a lookup value", "Account_Name.<field>"},
		{"Deal_Name like 'Acme'", 16, "has no % wildcard", "'%Acme%'"},
		{"Stage = 'a' and\nStag = 'b'", 1, "no such field", "Stage"},
		{"Tag = 'VIP'", 1, "COQL cannot filter on Tag", "Tag"},
		{"Owner.email = 'ann@zylker.com'", 1, "COQL cannot filter on Owner.email", "Owner = '"},
	}
	// Between's order that depends on the month is not an error.
	if f, err := filter.New("Closing_Date between today + 1mo and today + 30d"); err != nil {
		t.Fatal(err)
	} else if _, err := f.Bind(deals); err != nil {
		t.Errorf("between today + 1mo and today + 30d: %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			f, err := filter.New(tt.src)
			if err == nil {
				_, err = f.Bind(deals)
			}
			var se *filter.SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("%q: %v, want a *SyntaxError", tt.src, err)
			}
			if se.At.Col != tt.col {
				t.Errorf("column %d, want %d (%v)", se.At.Col, tt.col, err)
			}
			if !strings.Contains(se.Msg, tt.msg) || !strings.Contains(se.Hint, tt.hint) {
				t.Errorf("error %q / hint %q, want %q / %q", se.Msg, se.Hint, tt.msg, tt.hint)
			}
		})
	}
}

func TestBindReportsEveryMistake(t *testing.T) {
	f, err := filter.New("Stag = 'a' or Amount = 'x' or Hot = 1")
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.Bind(deals)
	if err == nil || strings.Count(err.Error(), "\n") != 2 {
		t.Fatalf("want three errors, got %v", err)
	}
}

func TestMatch(t *testing.T) {
	rec := zsync.Record{
		ID:       "554023000000238116",
		Modified: time.Date(2024, 8, 14, 7, 0, 0, 0, time.UTC),
		Fields: map[string]zsync.Value{
			"Deal_Name":                              "Acme Renewal",
			"Stage":                                  "Negotiation",
			"Amount":                                 12000.5,
			"Probability":                            int64(60),
			"Closing_Date":                           zsync.Date{Year: 2024, Month: 9, Day: 30},
			"Created_Time":                           time.Date(2024, 5, 16, 0, 0, 0, 0, berlin),
			"Hot":                                    true,
			"Account_Name":                           zsync.Lookup{ID: "42", Name: "Zylker"},
			"Account_Name.Industry":                  "Retail",
			"Contact_Name.Account_Name.Account_Name": "Zylker GmbH",
			"Languages":                              []string{"English", "German"},
			"Owner":                                  nil,
		},
	}
	tests := []struct {
		src  string
		want bool
	}{
		{"Stage not in ('Closed Won','Closed Lost') and Amount >= 10000", true},
		{"Stage in ('Closed Won','Closed Lost') or Amount < 10000", false},
		{"Stage = 'negotiation'", true}, // text ignores case, as Zoho does
		{"Stage != 'Negotiation'", false},
		{"Deal_Name like 'acme%'", true},
		{"Deal_Name like '%renew%'", true},
		{"Deal_Name like '%Acme'", false},
		{"Deal_Name not like '%x%'", true},
		{"Amount between 12000 and 12001", true},
		{"Amount not between 12000 and 12001", false},
		{"Probability = 60 and Probability in (10, 60)", true},
		{"Probability not in (10, 60)", false},
		{"Hot = true", true},
		{"Hot = false", false},
		{"Hot = 'true'", true}, // Zoho's docs quote booleans
		{"Hot = 'false'", false},
		{"Closing_Date between start_of_quarter and end_of_quarter", true},
		{"Closing_Date < end_of_quarter", false},
		{"Closing_Date = '2024-09-30'", true},
		{"Created_Time >= today - 90d", true}, // exactly on the boundary
		{"Created_Time > today - 90d", false},
		{"Created_Time >= '2024-05-15T22:00:00Z'", true},
		{"Modified_Time >= now - 2h", true}, // Modified_Time comes from Record.Modified
		{"Modified_Time >= now - 1h", false},
		{"id = 554023000000238116", true},
		{"id > '99'", true}, // ids compare as numbers, not as text
		{"Account_Name = '42'", true},
		{"Account_Name in ('1', '42')", true},
		{"Account_Name.Industry = 'Retail'", true},
		{"Contact_Name.Account_Name.Account_Name like 'zylker%'", true},
		{"Languages = 'English;German'", true},
		{"Owner is null", true},
		{"Owner is not null", false},
		{"Owner != '5'", false}, // SQL: a comparison with an empty field is false
		{"Owner not in ('5')", false},
		{"Contact_Name is null", true}, // absent from the record
		{"(Stage = 'x' or Hot = true) and Amount > 1", true},
		{"Stage = 'x' or Hot = true and Amount > 99999", false},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			if got := mustBind(t, tt.src).Match(rec, now); got != tt.want {
				t.Errorf("Match = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestWindowAgesOut: the same record leaves a relative window as time
// passes, without changing.
func TestWindowAgesOut(t *testing.T) {
	c := mustBind(t, "Created_Time >= today - 90d")
	rec := zsync.Record{Fields: map[string]zsync.Value{"Created_Time": time.Date(2024, 5, 16, 9, 0, 0, 0, berlin)}}
	if !c.Match(rec, now) {
		t.Fatal("record inside the window does not match")
	}
	if c.Match(rec, now.AddDate(0, 0, 1)) {
		t.Fatal("record still matches a day later")
	}
}

func TestFormatRoundTrip(t *testing.T) {
	for _, src := range []string{
		"Stage NOT IN ('a','b') AND Amount>=10 OR Hot=TRUE",
		"(A = 1 or B = 2) and (C = 3 or D is not null) and E like 'x%'",
		"Created_Time between today - 90d + 3h and now",
		"X = 'it''s \\\\ fine'",
	} {
		n, err := filter.Parse(src)
		if err != nil {
			t.Fatalf("Parse(%q): %v", src, err)
		}
		out := filter.Format(n)
		n2, err := filter.Parse(out)
		if err != nil {
			t.Fatalf("Parse(Format(%q)) = Parse(%q): %v", src, out, err)
		}
		if again := filter.Format(n2); again != out {
			t.Errorf("Format is not stable: %q then %q", out, again)
		}
	}
	n, _ := filter.Parse("a = 1 and b = 2 and c = 3 or d = 4")
	if got, want := filter.Format(n), "(((a = 1 and b = 2) and c = 3) or d = 4)"; got != want {
		t.Errorf("Format = %q, want %q", got, want)
	}
}

func TestPathsAndMoves(t *testing.T) {
	f, err := filter.New("Stage = 'a' and (Account_Name.Industry = 'x' or Stage = 'b')")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(f.Paths(), ","); got != "Stage,Account_Name.Industry" {
		t.Errorf("Paths = %s", got)
	}
	if f.Moves() {
		t.Error("a filter without relative dates moves")
	}
	g, _ := filter.New("Created_Time >= today - 1d")
	if !g.Moves() {
		t.Error("a relative window does not move")
	}
}
