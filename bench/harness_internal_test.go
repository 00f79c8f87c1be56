package bench

import (
	"os"
	"path/filepath"
	"testing"
)

func TestReadHWM(t *testing.T) {
	path := filepath.Join(t.TempDir(), "status")
	status := "Name:\tdrg\nVmPeak:\t  900000 kB\nVmHWM:\t  123456 kB\nVmRSS:\t  100000 kB\n"
	if err := os.WriteFile(path, []byte(status), 0o644); err != nil {
		t.Fatal(err)
	}
	if kb, ok := readHWM(path); !ok || kb != 123456 {
		t.Errorf("readHWM = %v, %v; want 123456, true", kb, ok)
	}
	if _, ok := readHWM(filepath.Join(t.TempDir(), "missing")); ok {
		t.Error("readHWM of a missing file reported a value")
	}
	if _, err := os.Stat("/proc/self/status"); err == nil {
		if kb, ok := readHWM("/proc/self/status"); !ok || kb <= 0 {
			t.Errorf("readHWM(/proc/self/status) = %v, %v; want a positive size", kb, ok)
		}
	}
}
