package sheets

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// colName returns the A1 letters of the 0-based column index i
// (0 → A, 25 → Z, 26 → AA). Column letters are bijective base 26.
func colName(i int) string {
	n := i + 1
	var b []byte
	for n > 0 {
		n--
		b = append([]byte{byte('A' + n%26)}, b...)
		n /= 26
	}
	return string(b)
}

// quoteTitle quotes a tab title for A1 notation. Titles are always quoted:
// an unquoted title that looks like a cell ("Q1", "CRM26") is parsed as a
// cell of the first sheet, and quoting never hurts. Apostrophes are doubled,
// the form Sheets itself returns.
func quoteTitle(title string) string {
	return "'" + strings.ReplaceAll(title, "'", "''") + "'"
}

// a1Cell is the A1 range of one cell (0-based row and column).
func a1Cell(title string, row, col int) string {
	return quoteTitle(title) + "!" + colName(col) + strconv.Itoa(row+1)
}

// a1Block is the A1 range of rows r0..r1 and columns c0..c1 (0-based,
// inclusive).
func a1Block(title string, r0, c0, r1, c1 int) string {
	if r0 == r1 && c0 == c1 {
		return a1Cell(title, r0, c0)
	}
	return fmt.Sprintf("%s!%s%d:%s%d", quoteTitle(title), colName(c0), r0+1, colName(c1), r1+1)
}

// a1Column is a whole column.
func a1Column(title string, col int) string {
	c := colName(col)
	return quoteTitle(title) + "!" + c + ":" + c
}

// a1Row is a whole row.
func a1Row(title string, row int) string {
	r := strconv.Itoa(row + 1)
	return quoteTitle(title) + "!" + r + ":" + r
}

var (
	idPattern  = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)
	urlPattern = regexp.MustCompile(`/spreadsheets/(?:u/[0-9]+/)?d/([A-Za-z0-9_-]+)`)
)

// ParseSpreadsheetID returns the spreadsheet id of s, which is either a bare
// id or a docs.google.com URL of the spreadsheet (as copied from the
// browser: https://docs.google.com/spreadsheets/d/<id>/edit#gid=0).
func ParseSpreadsheetID(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", fmt.Errorf("sheets: empty spreadsheet id")
	}
	if strings.Contains(s, "/") {
		u, err := url.Parse(s)
		if err == nil {
			if m := urlPattern.FindStringSubmatch(u.Path); m != nil {
				return m[1], nil
			}
		}
		return "", fmt.Errorf("sheets: %q is not a spreadsheet URL (want https://docs.google.com/spreadsheets/d/<id>/edit)", s)
	}
	if !idPattern.MatchString(s) {
		return "", fmt.Errorf("sheets: %q is not a spreadsheet id (the id is the part of the URL between /d/ and /edit)", s)
	}
	return s, nil
}
