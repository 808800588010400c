package sync

// NewMapper is NewSchemaMapper for a module without related metadata, as
// most tests map one.
func NewMapper(specs []ColumnSpec, fields []Field) (*Mapper, error) {
	return NewSchemaMapper(specs, Schema{Fields: fields})
}
