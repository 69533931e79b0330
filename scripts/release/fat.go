package main

import (
	"bytes"
	"debug/macho"
	"encoding/binary"
	"fmt"
	"slices"
)

// fatAlign is the alignment of each slice in a universal binary, as lipo
// writes it for arm64 and x86_64 (2^14, the arm64 page size).
const fatAlign = 14

// universal joins thin Mach-O executables into one fat (universal) binary,
// as `lipo -create` does: a big-endian fat header, one fat_arch record per
// slice (sorted by CPU type), then the slices, each at a 2^14-aligned offset.
func universal(thin ...[]byte) ([]byte, error) {
	type slice struct {
		cpu, sub uint32
		data     []byte
	}
	var parts []slice
	for i, b := range thin {
		f, err := macho.NewFile(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("slice %d: %w", i, err)
		}
		if f.Magic != macho.Magic64 {
			return nil, fmt.Errorf("slice %d: not a 64-bit Mach-O file", i)
		}
		for _, s := range parts {
			if s.cpu == uint32(f.Cpu) {
				return nil, fmt.Errorf("slice %d: CPU %v twice", i, f.Cpu)
			}
		}
		parts = append(parts, slice{uint32(f.Cpu), f.SubCpu, b})
	}
	slices.SortFunc(parts, func(a, b slice) int { return int(a.cpu) - int(b.cpu) })

	const align = 1 << fatAlign
	pad := func(n int) int { return (n + align - 1) &^ (align - 1) }
	header := 8 + 20*len(parts)
	out := make([]byte, header)
	binary.BigEndian.PutUint32(out[0:], macho.MagicFat)
	binary.BigEndian.PutUint32(out[4:], uint32(len(parts)))
	for i, s := range parts {
		off := pad(len(out))
		rec := out[8+20*i:]
		binary.BigEndian.PutUint32(rec[0:], s.cpu)
		binary.BigEndian.PutUint32(rec[4:], s.sub)
		binary.BigEndian.PutUint32(rec[8:], uint32(off))
		binary.BigEndian.PutUint32(rec[12:], uint32(len(s.data)))
		binary.BigEndian.PutUint32(rec[16:], fatAlign)
		out = append(out, make([]byte, off-len(out))...)
		out = append(out, s.data...)
	}
	return out, nil
}
