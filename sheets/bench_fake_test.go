package sheets

import (
	"context"
	"fmt"
	"testing"

	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

// benchTable is n records of 20 columns: key, 12 texts, 5 numbers, a date
// and a bool; version changes the values of the records i%step == 0.
func benchTable(n, step, version int) *zsync.Table {
	cols := []zsync.Column{{Header: "Id"}}
	for j := 1; j < 20; j++ {
		k := zsync.KindText
		switch {
		case j >= 13 && j < 18:
			k = zsync.KindNumber
		case j == 18:
			k = zsync.KindDate
		case j == 19:
			k = zsync.KindBool
		}
		cols = append(cols, zsync.Column{Header: fmt.Sprintf("Field %d", j), Kind: k})
	}
	t := &zsync.Table{Sheet: "Leads", Columns: cols}
	for i := range n {
		v := 0
		if step > 0 && i%step == 0 {
			v = version
		}
		id := fmt.Sprint(4150868000000000000 + i)
		cells := []zsync.Cell{zsync.Text(id)}
		for j := 1; j < 20; j++ {
			switch cols[j].Kind {
			case zsync.KindText:
				cells = append(cells, zsync.Text(fmt.Sprintf("value %d/%d v%d", i, j, v)))
			case zsync.KindNumber:
				cells = append(cells, zsync.Number(float64(i*j+v)))
			case zsync.KindDate:
				cells = append(cells, zsync.DateCell(zsync.Date{Year: 2024, Month: 1, Day: 1 + (i+v)%28}))
			default:
				cells = append(cells, zsync.Bool(i%2 == 0))
			}
		}
		t.Rows = append(t.Rows, zsync.Row{Key: id, Cells: cells})
	}
	return t
}

func BenchmarkFakeUpsert100kThen1k(b *testing.B) {
	initial, changed := benchTable(100_000, 0, 0), benchTable(100_000, 100, 1)
	for b.Loop() {
		b.StopTimer()
		s, f := fakeSheet(b)
		b.StartTimer()
		r1, err := s.Upsert(context.Background(), initial, zsync.UpsertOptions{})
		if err != nil {
			b.Fatal(err)
		}
		r2, err := s.Upsert(context.Background(), changed, zsync.UpsertOptions{})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(r1.Requests), "initial-writes")
		b.ReportMetric(float64(r1.CellsWritten), "initial-cells")
		b.ReportMetric(float64(r2.Requests), "update-writes")
		b.ReportMetric(float64(r2.CellsWritten), "update-cells")
		b.ReportMetric(float64(f.maxBody), "max-request-bytes")
		if r2.Updated != 1000 {
			b.Fatalf("updated %d", r2.Updated)
		}
	}
}
