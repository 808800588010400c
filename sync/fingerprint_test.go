package sync_test

import (
	"slices"
	"strings"
	"testing"

	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

func baseSpec() zsync.TabSpec {
	return zsync.TabSpec{
		Columns: []zsync.SpecColumn{
			{Header: "Zoho ID", Field: "id", Kind: zsync.KindText},
			{Header: "Name", Field: "Full_Name", Kind: zsync.KindText},
			{Header: "Tags", Field: "Tag.name", Kind: zsync.KindText},
			{Header: "Modified", Field: "Modified_Time", Kind: zsync.KindDateTime},
		},
		Timezone: "Europe/Berlin", OnDelete: zsync.OnDeleteRemove, MarkText: zsync.MarkText,
	}
}

func TestCompareFingerprint(t *testing.T) {
	stored := baseSpec().Fingerprint()
	cases := []struct {
		name     string
		edit     func(s *zsync.TabSpec)
		full     bool
		added    []string
		changed  []string
		removed  int
		settings []string
	}{
		{"nothing", func(*zsync.TabSpec) {}, false, nil, nil, 0, nil},
		{"header case and spaces", func(s *zsync.TabSpec) { s.Columns[1].Header = " name " }, false, nil, nil, 0, nil},
		{"columns reordered", func(s *zsync.TabSpec) { slices.Reverse(s.Columns) }, false, nil, nil, 0, nil},
		{"default join spelled out", func(s *zsync.TabSpec) { s.Columns[2].Join = zsync.DefaultJoin }, false, nil, nil, 0, nil},
		{"on_delete remove spelled out", func(s *zsync.TabSpec) { s.OnDelete = "" }, false, nil, nil, 0, nil},
		{"two columns added", func(s *zsync.TabSpec) {
			s.Columns = append(s.Columns, zsync.SpecColumn{Header: "Email", Field: "Email", Kind: zsync.KindText},
				zsync.SpecColumn{Header: "Phone", Field: "Phone", Kind: zsync.KindText})
		}, true, []string{"Email", "Phone"}, nil, 0, nil},
		{"column removed", func(s *zsync.TabSpec) { s.Columns = s.Columns[:3] }, false, nil, nil, 1, nil},
		{"field changed", func(s *zsync.TabSpec) { s.Columns[1].Field = "Last_Name" }, true, nil, []string{"Name"}, 0, nil},
		{"type changed", func(s *zsync.TabSpec) { s.Columns[3].Kind = zsync.KindText }, true, nil, []string{"Modified"}, 0, nil},
		{"join changed", func(s *zsync.TabSpec) { s.Columns[2].Join = "; " }, true, nil, []string{"Tags"}, 0, nil},
		{"header renamed", func(s *zsync.TabSpec) { s.Columns[1].Header = "Full name" }, true, []string{"Full name"}, nil, 1, nil},
		{"timezone", func(s *zsync.TabSpec) { s.Timezone = "UTC" }, true, nil, nil, 0, []string{zsync.SettingTimezone}},
		{"on_delete", func(s *zsync.TabSpec) { s.OnDelete = zsync.OnDeleteKeep }, true, nil, nil, 0, []string{zsync.SettingOnDelete}},
		{"mark", func(s *zsync.TabSpec) { s.OnDelete, s.MarkColumn = zsync.OnDeleteMark, "Gone" }, true, nil, nil, 0,
			[]string{zsync.SettingOnDelete, zsync.SettingMarkColumn}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := baseSpec()
			s.Columns = slices.Clone(s.Columns)
			tc.edit(&s)
			ch := zsync.CompareFingerprint(stored, s)
			if ch.NeedsFull() != tc.full || !slices.Equal(ch.Added, tc.added) || !slices.Equal(ch.Changed, tc.changed) ||
				ch.Removed != tc.removed || !slices.Equal(ch.Settings, tc.settings) || ch.Unknown {
				t.Fatalf("change = %+v (needs full %v), want added %v changed %v removed %d settings %v full %v",
					ch, ch.NeedsFull(), tc.added, tc.changed, tc.removed, tc.settings, tc.full)
			}
			if ch.None() != (s.Fingerprint() == stored) {
				t.Errorf("None() = %v but fingerprints %q and %q", ch.None(), s.Fingerprint(), stored)
			}
		})
	}
}

// Only datetimes depend on the zone: a tab without one is not read again
// when the zone changes, and gaining its first datetime column says so as
// a column, not as a zone change.
func TestFingerprintTimezoneOnlyWithDatetimes(t *testing.T) {
	s := baseSpec()
	s.Columns = s.Columns[:3]
	stored := s.Fingerprint()
	s.Timezone = "Asia/Tokyo"
	if ch := zsync.CompareFingerprint(stored, s); !ch.None() {
		t.Fatalf("zone change without datetime columns: %+v", ch)
	}
	s.Columns = append(s.Columns, zsync.SpecColumn{Header: "Created", Field: "Created_Time", Kind: zsync.KindDateTime})
	ch := zsync.CompareFingerprint(stored, s)
	if !slices.Equal(ch.Added, []string{"Created"}) || len(ch.Settings) != 0 {
		t.Fatalf("first datetime column: %+v", ch)
	}
	if got := ch.String(); got != "1 column added (Created)" {
		t.Errorf("String() = %q", got)
	}
}

func TestFingerprintUnknownAndDescribed(t *testing.T) {
	for _, stored := range []string{"", "v0 c1=2", "v1 garbage"} {
		if ch := zsync.CompareFingerprint(stored, baseSpec()); !ch.Unknown || !ch.NeedsFull() {
			t.Errorf("stored %q: %+v, want unknown (a full read)", stored, ch)
		}
	}
	s := baseSpec()
	stored := s.Fingerprint()
	s.Columns = append(s.Columns[1:], zsync.SpecColumn{Header: "Email", Field: "Email"}, zsync.SpecColumn{Header: "Phone", Field: "Phone"})
	s.Columns[0].Field = "Last_Name"
	s.Timezone = "UTC"
	got := zsync.CompareFingerprint(stored, s).String()
	want := "2 columns added (Email, Phone), 1 column changed (Name), 1 column removed (left in the tab), timezone changed"
	if got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	// Developer metadata is small: 60 columns stay well under 2 KB.
	for i := range 56 {
		s.Columns = append(s.Columns, zsync.SpecColumn{Header: strings.Repeat("h", i+1), Field: "F"})
	}
	if n := len(s.Fingerprint()); n > 2000 {
		t.Errorf("fingerprint of 60 columns is %d characters", n)
	}
}

func TestFingerprintReformatOnlyAcrossDateKinds(t *testing.T) {
	stored := baseSpec().Fingerprint()
	for _, tc := range []struct {
		col  int
		kind zsync.Kind
		want bool
	}{
		{3, zsync.KindDate, true},    // datetime → date: DATE_TIME format would stay
		{3, zsync.KindText, true},    // datetime → text: drop the date format
		{1, zsync.KindNumber, false}, // text → number: neither has a format
		{1, zsync.KindDateTime, true},
	} {
		s := baseSpec()
		s.Columns = slices.Clone(s.Columns)
		s.Columns[tc.col].Kind = tc.kind
		ch := zsync.CompareFingerprint(stored, s)
		if got := slices.Equal(ch.Reformat, []string{s.Columns[tc.col].Header}); got != tc.want || len(ch.Changed) != 1 {
			t.Errorf("%s → %s: %+v, reformat wanted %v", baseSpec().Columns[tc.col].Kind, tc.kind, ch, tc.want)
		}
	}
	s := baseSpec()
	s.Columns[3].Field = "Created_Time"
	if ch := zsync.CompareFingerprint(stored, s); len(ch.Reformat) != 0 {
		t.Errorf("same kind, other field: %+v", ch)
	}
}
