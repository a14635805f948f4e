package verify

import (
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// JSON form of a Report. Field names are stable and snake_case.
type (
	jsonReport struct {
		Host            string        `json:"host"`
		Repo            string        `json:"repo"`
		Image           string        `json:"image"`
		Digest          string        `json:"digest,omitempty"`
		Client          string        `json:"client"`
		Status          Status        `json:"status"`
		OK              bool          `json:"ok"`
		CouldNotRun     bool          `json:"could_not_run"`
		StartedAt       string        `json:"started_at"`
		DurationSeconds float64       `json:"duration_seconds"`
		Totals          jsonTotals    `json:"totals"`
		Steps           []jsonStep    `json:"steps"`
		Matrix          *jsonMatrix   `json:"matrix,omitempty"`
		Footprint       jsonFootprint `json:"footprint"`
		Warnings        []string      `json:"warnings"`
	}
	jsonFootprint struct {
		BlobsUploaded    []string `json:"blobs_uploaded"`
		LayersReused     int      `json:"layers_reused"` // -1: the docker client pushed
		UploadsLeftOpen  int      `json:"uploads_left_open"`
		UploadsCancelled int      `json:"uploads_cancelled"`
		Deleted          []string `json:"deleted"`
		Kept             string   `json:"kept,omitempty"`
	}
	jsonTotals struct {
		Pass  int `json:"pass"`
		Fail  int `json:"fail"`
		Skip  int `json:"skip"`
		Error int `json:"error"`
	}
	jsonStep struct {
		Name            string   `json:"name"`
		Status          Status   `json:"status"`
		DurationSeconds float64  `json:"duration_seconds"`
		Message         string   `json:"message"`
		Details         []string `json:"details,omitempty"`
	}
	jsonMatrix struct {
		Methods []string        `json:"methods"`
		Paths   []string        `json:"paths"`
		Rows    []jsonMatrixRow `json:"rows"`
	}
	jsonMatrixRow struct {
		Identity string           `json:"identity"`
		User     string           `json:"user"`
		Path     string           `json:"path"`
		Cells    []jsonMatrixCell `json:"cells"`
	}
	jsonMatrixCell struct {
		Method     string     `json:"method"`
		StatusCode int        `json:"status_code"`
		Reached    bool       `json:"reached"`
		Allowed    bool       `json:"allowed"`
		Result     CellResult `json:"result"`
		Error      string     `json:"error,omitempty"`
	}
)

// WriteJSON writes the report as indented JSON.
func WriteJSON(w io.Writer, r *Report) error {
	t := r.Totals()
	out := jsonReport{
		Host: r.Host, Repo: r.Repo, Image: r.Image, Digest: r.Digest, Client: r.Client,
		Status: r.Status(), OK: r.OK(), CouldNotRun: r.CouldNotRun(),
		StartedAt:       r.Started.UTC().Format(time.RFC3339),
		DurationSeconds: roundSeconds(r.Duration),
		Totals:          jsonTotals{Pass: t.Pass, Fail: t.Fail, Skip: t.Skip, Error: t.Error},
		Steps:           make([]jsonStep, 0, len(r.Steps)),
		Matrix:          toJSONMatrix(r.Matrix),
		Footprint: jsonFootprint{
			BlobsUploaded: append([]string{}, r.Footprint.BlobsUploaded...), LayersReused: r.Footprint.LayersReused,
			UploadsLeftOpen: r.Footprint.UploadsLeftOpen, UploadsCancelled: r.Footprint.UploadsCancelled,
			Deleted: append([]string{}, r.Footprint.Deleted...), Kept: r.Footprint.Kept,
		},
		Warnings: append([]string{}, r.Warnings...),
	}
	for _, s := range r.Steps {
		out.Steps = append(out.Steps, jsonStep{Name: s.Name, Status: s.Status,
			DurationSeconds: roundSeconds(s.Duration), Message: s.Message, Details: s.Details})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("writing the JSON report: %w", err)
	}
	return nil
}

func toJSONMatrix(m *Matrix) *jsonMatrix {
	if m == nil {
		return nil
	}
	out := &jsonMatrix{Methods: m.Methods, Paths: m.Paths, Rows: make([]jsonMatrixRow, 0, len(m.Rows))}
	for _, row := range m.Rows {
		jr := jsonMatrixRow{Identity: row.Identity, User: row.User, Path: row.Path}
		for _, c := range row.Cells {
			jr.Cells = append(jr.Cells, jsonMatrixCell{Method: c.Method, StatusCode: c.StatusCode,
				Reached: c.Reached, Allowed: c.Allowed, Result: c.Result, Error: c.Error})
		}
		out.Rows = append(out.Rows, jr)
	}
	return out
}

// roundSeconds is d in seconds, to the millisecond.
func roundSeconds(d time.Duration) float64 { return d.Round(time.Millisecond).Seconds() }
