package verify

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"
	"time"

	_ "github.com/regsetup/regsetup/internal/golden"
)

// fixedReport is a deterministic report with every kind of step and a
// matrix with one leak.
func fixedReport(status Status) *Report {
	m := &Matrix{Methods: []string{"GET", "OPTIONS"}, Paths: []string{"/v2/"}, Rows: []MatrixRow{{
		Identity: "anonymous", Path: "/v2/",
		Cells: []MatrixCell{
			{Method: "GET", StatusCode: 401, Result: CellOK},
			{Method: "OPTIONS", StatusCode: 200, Reached: true, Result: CellLeak},
		},
	}}}
	return &Report{
		Host: "r.test:5043", Repo: "regsetup-verify/smoke", Image: "r.test:5043/regsetup-verify/smoke:t1", Client: ClientGGCR,
		Started: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC), Duration: 1500 * time.Millisecond,
		Steps: []StepResult{
			{Name: StepTLS, Status: StatusPass, Duration: 10 * time.Millisecond, Message: "TLS 1.3"},
			{Name: StepPush, Status: StatusPass, Duration: 210 * time.Millisecond, Message: "pushed r.test:5043/regsetup-verify/smoke:t1 (3 layers, 3.1 MB) as testuserpush"},
			{Name: StepPull, Status: StatusSkip, Message: "skipped: testuser could not log in"},
			{Name: StepMatrix, Status: status, Duration: 20 * time.Millisecond, Message: "1 of 2 requests got the wrong answer",
				Details: []string{"anonymous OPTIONS /v2/: reached the registry (200 OK), want denied"}},
		},
		Matrix: m,
		Digest: "sha256:" + strings.Repeat("ab", 32),
		Footprint: Footprint{BlobsUploaded: []string{"sha256:" + strings.Repeat("cd", 32)}, LayersReused: 3,
			UploadsLeftOpen: 4, UploadsCancelled: 4, Kept: "the registry does not allow deletes"},
		Warnings: []string{"cleanup: something"},
	}
}

func TestWriteText(t *testing.T) {
	tests := []struct {
		name   string
		status Status
		want   []string
	}{
		{"failed check", StatusFail, []string{
			"PASS  push                 0.21s  pushed r.test:5043/regsetup-verify/smoke:t1 (3 layers, 3.1 MB) as testuserpush\n",
			"SKIP  pull                 0.00s  skipped: testuser could not log in\n",
			"FAIL  matrix               0.02s  1 of 2 requests got the wrong answer\n",
			"      - anonymous OPTIONS /v2/: reached the registry (200 OK), want denied\n",
			"IDENTITY   PATH  GET  OPTIONS\nanonymous  /v2/  ok   LEAK\n",
			"registry: uploaded 1 blob, 3 layers already there; 4 upload sessions left open, 4 cancelled; deleted 0 manifests; kept: the registry does not allow deletes\n",
			"WARNING: cleanup: something\n",
			"FAIL: 2 passed, 1 failed, 1 skipped, 0 could not run, in 1.50s\n",
		}},
		{"could not run", StatusError, []string{"ERROR matrix", "ERROR: 2 passed, 0 failed, 1 skipped, 1 could not run, in 1.50s\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := WriteText(&b, fixedReport(tt.status)); err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(b.String(), w) {
					t.Errorf("%q not in:\n%s", w, b.String())
				}
			}
		})
	}
}

func TestWriteJSON(t *testing.T) {
	var b1, b2 bytes.Buffer
	if err := WriteJSON(&b1, fixedReport(StatusFail)); err != nil {
		t.Fatal(err)
	}
	_ = WriteJSON(&b2, fixedReport(StatusFail))
	if b1.String() != b2.String() {
		t.Error("JSON output is not deterministic")
	}
	var got struct {
		Status      string  `json:"status"`
		OK          bool    `json:"ok"`
		CouldNotRun bool    `json:"could_not_run"`
		StartedAt   string  `json:"started_at"`
		Duration    float64 `json:"duration_seconds"`
		Totals      struct {
			Pass, Fail, Skip, Error int
		} `json:"totals"`
		Steps []struct {
			Name     string   `json:"name"`
			Duration float64  `json:"duration_seconds"`
			Details  []string `json:"details"`
		} `json:"steps"`
		Digest    string `json:"digest"`
		Footprint struct {
			Uploaded []string `json:"blobs_uploaded"`
			Reused   int      `json:"layers_reused"`
			Open     int      `json:"uploads_left_open"`
			Done     int      `json:"uploads_cancelled"`
			Deleted  []string `json:"deleted"`
			Kept     string   `json:"kept"`
		} `json:"footprint"`
		Matrix struct {
			Rows []struct {
				Cells []struct {
					StatusCode int    `json:"status_code"`
					Result     string `json:"result"`
				} `json:"cells"`
			} `json:"rows"`
		} `json:"matrix"`
	}
	if err := json.Unmarshal(b1.Bytes(), &got); err != nil {
		t.Fatalf("parsing %s: %v", b1.String(), err)
	}
	switch {
	case got.Status != "fail" || got.OK || got.CouldNotRun:
		t.Errorf("status %q ok %v could_not_run %v", got.Status, got.OK, got.CouldNotRun)
	case got.StartedAt != "2024-01-02T03:04:05Z" || got.Duration != 1.5:
		t.Errorf("started_at %q duration %v", got.StartedAt, got.Duration)
	case got.Totals.Pass != 2 || got.Totals.Fail != 1 || got.Totals.Skip != 1:
		t.Errorf("totals %+v", got.Totals)
	case len(got.Steps) != 4 || got.Steps[1].Name != "push" || got.Steps[1].Duration != 0.21 || len(got.Steps[3].Details) != 1:
		t.Errorf("steps %+v", got.Steps)
	case got.Digest != "sha256:"+strings.Repeat("ab", 32):
		t.Errorf("digest %q", got.Digest)
	case len(got.Footprint.Uploaded) != 1 || got.Footprint.Reused != 3 || got.Footprint.Open != 4 || got.Footprint.Done != 4 ||
		got.Footprint.Deleted == nil || got.Footprint.Kept == "":
		t.Errorf("footprint %+v", got.Footprint)
	case got.Matrix.Rows[0].Cells[1].StatusCode != 200 || got.Matrix.Rows[0].Cells[1].Result != "leak":
		t.Errorf("matrix %+v", got.Matrix)
	}
}

func TestWriteJUnit(t *testing.T) {
	tests := []struct {
		name                      string
		status                    Status
		failures, errors, skipped int
	}{
		{"failed check", StatusFail, 2, 0, 1}, // the matrix step and its leaking cell
		{"could not run", StatusError, 1, 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := WriteJUnit(&b, fixedReport(tt.status)); err != nil {
				t.Fatal(err)
			}
			var got junitSuites
			if err := xml.Unmarshal(b.Bytes(), &got); err != nil {
				t.Fatalf("parsing %s: %v", b.String(), err)
			}
			s := got.Suites[0]
			if s.Tests != 6 || s.Failures != tt.failures || s.Errors != tt.errors || s.Skipped != tt.skipped {
				t.Errorf("tests %d failures %d errors %d skipped %d\n%s", s.Tests, s.Failures, s.Errors, s.Skipped, b.String())
			}
			if !strings.Contains(b.String(), `<testcase name="anonymous OPTIONS /v2/" classname="verify.matrix"`) {
				t.Errorf("no matrix testcase in:\n%s", b.String())
			}
		})
	}
}
