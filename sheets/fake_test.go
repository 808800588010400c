package sheets

// A small in-memory Sheets API used by the package's own tests while the
// sheetstest emulator is not available. It serves just the calls this
// package makes, with the wire shapes of the reference.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strconv"
	"strings"
	gosync "sync"

	"google.golang.org/api/sheets/v4"
)

type fakeTab struct {
	props  sheets.SheetProperties
	cells  [][]any
	format map[[2]int]string
}

type fakeSheets struct {
	mu      gosync.Mutex
	title   string
	tz      string
	tabs    []*fakeTab
	meta    []*sheets.DeveloperMetadata
	nextID  int64
	writes  int
	cells   int
	before  func(r *http.Request) // runs before each request, outside the lock
	maxBody int64
	faults  []fakeFault
}

func newFake() *fakeSheets { return &fakeSheets{title: "CRM", tz: "Europe/Berlin", nextID: 100} }

func (f *fakeSheets) tab(title string) *fakeTab {
	for _, t := range f.tabs {
		if t.props.Title == title {
			return t
		}
	}
	return nil
}

func (f *fakeSheets) addTab(title string, rows, cols int64) *fakeTab {
	t := &fakeTab{props: sheets.SheetProperties{SheetId: f.nextID, Title: title,
		GridProperties: &sheets.GridProperties{RowCount: rows, ColumnCount: cols}}, format: map[[2]int]string{}}
	f.nextID++
	f.tabs = append(f.tabs, t)
	return t
}

func (t *fakeTab) set(r, c int, v any) {
	for len(t.cells) <= r {
		t.cells = append(t.cells, nil)
	}
	for len(t.cells[r]) <= c {
		t.cells[r] = append(t.cells[r], nil)
	}
	if s, ok := v.(string); ok && s == "" {
		v = nil
	}
	t.cells[r][c] = v
}

// trimmed returns the values as the API does: trailing empties omitted.
func (t *fakeTab) trimmed(r0, c0, r1, c1 int) [][]any {
	var out [][]any
	for r := r0; r <= r1 && r < len(t.cells); r++ {
		var row []any
		for c := c0; c <= c1 && c < len(t.cells[r]); c++ {
			v := t.cells[r][c]
			if v == nil {
				v = ""
			}
			row = append(row, v)
		}
		for len(row) > 0 && row[len(row)-1] == "" {
			row = row[:len(row)-1]
		}
		out = append(out, row)
	}
	for len(out) > 0 && len(out[len(out)-1]) == 0 {
		out = out[:len(out)-1]
	}
	return out
}

var refPattern = regexp.MustCompile(`^([A-Z]*)([0-9]*)$`)

func colIndex(s string) int {
	n := 0
	for _, ch := range s {
		n = n*26 + int(ch-'A'+1)
	}
	return n - 1
}

// parseRange returns the tab and the 0-based inclusive box of an A1 range.
func (f *fakeSheets) parseRange(rng string) (*fakeTab, [4]int, error) {
	title, ref, _ := strings.Cut(rng, "!")
	if strings.HasPrefix(title, "'") {
		title = strings.ReplaceAll(strings.Trim(title, "'"), "''", "'")
	}
	t := f.tab(title)
	if t == nil {
		return nil, [4]int{}, fmt.Errorf("Unable to parse range: %s", rng)
	}
	box := [4]int{0, 0, 1 << 30, 1 << 30}
	if ref == "" {
		return t, box, nil
	}
	a, b, two := strings.Cut(ref, ":")
	if !two {
		b = a
	}
	ma, mb := refPattern.FindStringSubmatch(a), refPattern.FindStringSubmatch(b)
	if ma == nil || mb == nil {
		return nil, box, fmt.Errorf("Unable to parse range: %s", rng)
	}
	if ma[1] != "" {
		box[1] = colIndex(ma[1])
	}
	if ma[2] != "" {
		box[0], _ = strconv.Atoi(ma[2])
		box[0]--
	}
	if mb[1] != "" {
		box[3] = colIndex(mb[1])
	}
	if mb[2] != "" {
		box[2], _ = strconv.Atoi(mb[2])
		box[2]--
	}
	if int64(box[1]) >= t.props.GridProperties.ColumnCount || (ma[2] != "" && int64(box[0]) >= t.props.GridProperties.RowCount) {
		return nil, box, fmt.Errorf("Range (%s) exceeds grid limits", rng)
	}
	return t, box, nil
}

func fakeErr(w http.ResponseWriter, code int, msg string) {
	writeAPIError(w, code, "INVALID_ARGUMENT", "badRequest", msg)
}

func (f *fakeSheets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f.before != nil {
		f.before(r)
	}
	if ft := f.takeFault(r.URL.Path); ft != nil && !ft.after {
		writeAPIError(w, ft.status, "UNAVAILABLE", "backendError", "injected")
		return
	} else if ft != nil {
		// Apply the request, then answer with an error: the ambiguous case.
		rec := httptest.NewRecorder()
		f.serve(rec, r)
		writeAPIError(w, ft.status, "INTERNAL", "backendError", "injected after applying")
		return
	}
	f.serve(w, r)
}

type fakeFault struct {
	suffix string
	status int
	after  bool // apply the request before failing
}

func (f *fakeSheets) takeFault(path string) *fakeFault {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, ft := range f.faults {
		if strings.HasSuffix(path, ft.suffix) {
			f.faults = append(f.faults[:i], f.faults[i+1:]...)
			return &ft
		}
	}
	return nil
}

func (f *fakeSheets) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.ContentLength > f.maxBody {
		f.maxBody = r.ContentLength
	}
	p := strings.TrimPrefix(r.URL.Path, "/v4/spreadsheets/")
	id, rest, _ := strings.Cut(p, "/")
	id, action, _ := strings.Cut(id, ":")
	reply := func(v any) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(v)
	}
	if r.Method != http.MethodGet && !strings.HasSuffix(r.URL.Path, ":search") {
		f.writes++
	}
	switch {
	case r.Method == http.MethodGet && rest == "" && action == "":
		ss := &sheets.Spreadsheet{SpreadsheetId: id, Properties: &sheets.SpreadsheetProperties{Title: f.title, TimeZone: f.tz}}
		for _, t := range f.tabs {
			pr := t.props
			sh := &sheets.Sheet{Properties: &pr}
			for _, m := range f.meta {
				if l := m.Location; l != nil && !l.Spreadsheet && l.DimensionRange == nil && l.SheetId == pr.SheetId {
					sh.DeveloperMetadata = append(sh.DeveloperMetadata, m)
				}
			}
			ss.Sheets = append(ss.Sheets, sh)
		}
		reply(ss)
	case rest == "values:batchGet":
		resp := &sheets.BatchGetValuesResponse{SpreadsheetId: id}
		for _, rng := range r.URL.Query()["ranges"] {
			t, b, err := f.parseRange(rng)
			if err != nil {
				fakeErr(w, 400, err.Error())
				return
			}
			resp.ValueRanges = append(resp.ValueRanges, &sheets.ValueRange{Range: rng, MajorDimension: "ROWS", Values: t.trimmed(b[0], b[1], b[2], b[3])})
		}
		reply(resp)
	case rest == "values:batchUpdate":
		var req sheets.BatchUpdateValuesRequest
		_ = json.NewDecoder(r.Body).Decode(&req)
		if req.ValueInputOption != "RAW" {
			fakeErr(w, 400, "want RAW")
			return
		}
		for _, vr := range req.Data {
			t, b, err := f.parseRange(vr.Range)
			if err != nil {
				fakeErr(w, 400, err.Error())
				return
			}
			for i, row := range vr.Values {
				for j, v := range row {
					if v == nil {
						continue
					}
					if int64(b[0]+i) >= t.props.GridProperties.RowCount || int64(b[1]+j) >= t.props.GridProperties.ColumnCount {
						fakeErr(w, 400, "exceeds grid limits")
						return
					}
					t.set(b[0]+i, b[1]+j, v)
					f.cells++
				}
			}
		}
		reply(&sheets.BatchUpdateValuesResponse{SpreadsheetId: id})
	case action == "batchUpdate":
		var req sheets.BatchUpdateSpreadsheetRequest
		_ = json.NewDecoder(r.Body).Decode(&req)
		resp := &sheets.BatchUpdateSpreadsheetResponse{SpreadsheetId: id}
		for _, rq := range req.Requests {
			out := &sheets.Response{}
			switch {
			case rq.AddSheet != nil:
				g := rq.AddSheet.Properties.GridProperties
				t := f.addTab(rq.AddSheet.Properties.Title, g.RowCount, g.ColumnCount)
				t.props.GridProperties.FrozenRowCount = g.FrozenRowCount
				if id := rq.AddSheet.Properties.SheetId; id != 0 { // the caller's choice, as Google takes it
					t.props.SheetId = id
				}
				pr := t.props
				out.AddSheet = &sheets.AddSheetResponse{Properties: &pr}
			case rq.DeleteDimension != nil:
				t := f.byID(rq.DeleteDimension.Range.SheetId)
				s, e := int(rq.DeleteDimension.Range.StartIndex), int(rq.DeleteDimension.Range.EndIndex)
				if s < len(t.cells) {
					t.cells = append(t.cells[:s], t.cells[min(e, len(t.cells)):]...)
				}
				t.props.GridProperties.RowCount -= int64(e - s)
			case rq.AppendDimension != nil:
				t := f.byID(rq.AppendDimension.SheetId)
				if rq.AppendDimension.Dimension == "ROWS" {
					t.props.GridProperties.RowCount += rq.AppendDimension.Length
				} else {
					t.props.GridProperties.ColumnCount += rq.AppendDimension.Length
				}
			case rq.UpdateSheetProperties != nil:
				t := f.byID(rq.UpdateSheetProperties.Properties.SheetId)
				t.props.GridProperties.FrozenRowCount = rq.UpdateSheetProperties.Properties.GridProperties.FrozenRowCount
			case rq.UpdateDimensionProperties != nil, rq.UpdateCells != nil:
				// presentation only (widths, links)
			case rq.RepeatCell != nil && (rq.RepeatCell.Cell.UserEnteredFormat == nil || rq.RepeatCell.Cell.UserEnteredFormat.NumberFormat == nil):
				// presentation only (bold header, links)
			case rq.RepeatCell != nil:
				g := rq.RepeatCell.Range
				t := f.byID(g.SheetId)
				for r := g.StartRowIndex; r < g.EndRowIndex; r++ {
					for c := g.StartColumnIndex; c < g.EndColumnIndex; c++ {
						t.format[[2]int{int(r), int(c)}] = rq.RepeatCell.Cell.UserEnteredFormat.NumberFormat.Type
					}
				}
			case rq.CreateDeveloperMetadata != nil:
				m := *rq.CreateDeveloperMetadata.DeveloperMetadata
				m.MetadataId = f.nextID
				f.nextID++
				f.meta = append(f.meta, &m)
			case rq.UpdateDeveloperMetadata != nil:
				for _, m := range f.meta {
					if m.MetadataId == rq.UpdateDeveloperMetadata.DataFilters[0].DeveloperMetadataLookup.MetadataId {
						m.MetadataValue = rq.UpdateDeveloperMetadata.DeveloperMetadata.MetadataValue
					}
				}
			case rq.DeleteDeveloperMetadata != nil:
				l := rq.DeleteDeveloperMetadata.DataFilter.DeveloperMetadataLookup
				var keep []*sheets.DeveloperMetadata
				for _, m := range f.meta {
					if (l.MetadataId != 0 && m.MetadataId == l.MetadataId) || (l.MetadataKey != "" && m.MetadataKey == l.MetadataKey) {
						continue
					}
					keep = append(keep, m)
				}
				f.meta = keep
			default:
				fakeErr(w, 400, "unsupported request")
				return
			}
			resp.Replies = append(resp.Replies, out)
		}
		reply(resp)
	case rest == "developerMetadata:search":
		var req sheets.SearchDeveloperMetadataRequest
		_ = json.NewDecoder(r.Body).Decode(&req)
		resp := &sheets.SearchDeveloperMetadataResponse{}
		for _, m := range f.meta {
			for _, df := range req.DataFilters { // filters are ORed
				if l := df.DeveloperMetadataLookup; l.MetadataKey == "" || l.MetadataKey == m.MetadataKey {
					resp.MatchedDeveloperMetadata = append(resp.MatchedDeveloperMetadata, &sheets.MatchedDeveloperMetadata{DeveloperMetadata: m})
					break
				}
			}
		}
		reply(resp)
	default:
		fakeErr(w, 404, "no route "+r.Method+" "+r.URL.Path)
	}
}

func (f *fakeSheets) byID(id int64) *fakeTab {
	for _, t := range f.tabs {
		if t.props.SheetId == id {
			return t
		}
	}
	panic("no sheet")
}

// sortRows sorts the rows below the header by column c, as a human does.
func (f *fakeSheets) sortRows(title string, c int, desc bool) {
	t := f.tab(title)
	rows := t.cells[1:]
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := fmt.Sprint(t.getRow(rows[i], c)), fmt.Sprint(t.getRow(rows[j], c))
		if desc {
			return a > b
		}
		return a < b
	})
}

func (t *fakeTab) getRow(row []any, c int) any {
	if c < len(row) {
		return row[c]
	}
	return nil
}

// values returns the tab as strings for comparisons.
func (f *fakeSheets) values(title string) [][]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := f.tab(title)
	var out [][]string
	for _, row := range t.trimmed(0, 0, 1<<30, 1<<30) {
		var s []string
		for _, v := range row {
			s = append(s, fmt.Sprint(v))
		}
		out = append(out, s)
	}
	return out
}
