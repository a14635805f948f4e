package bench

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"strings"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// Chart geometry, in pixels.
const (
	chartWidth = 1100
	labelWidth = 230
	barMax     = 640
	barHeight  = 16
	rowGap     = 4
	titleH     = 22
	panelGap   = 14
	margin     = 12
)

// palette colours the variants in order.
var palette = []color.RGBA{
	{0x4c, 0x72, 0xb0, 0xff}, {0x55, 0xa8, 0x68, 0xff}, {0xc4, 0x4e, 0x52, 0xff},
	{0x81, 0x72, 0xb2, 0xff}, {0xcc, 0xb9, 0x74, 0xff}, {0x64, 0xb5, 0xcd, 0xff},
	{0xdd, 0x84, 0x52, 0xff}, {0x8c, 0x8c, 0x8c, 0xff},
}

// WritePNG draws one horizontal bar chart per metric: a bar per variant
// (its median), a black whisker for min–max, the value and ×direct.
func WritePNG(w io.Writer, r *Result) error {
	height := margin + titleH
	for _, m := range r.Metrics {
		if n := len(r.rows(m.ID)); n > 0 {
			height += titleH + n*(barHeight+rowGap) + panelGap
		}
	}
	height += margin
	img := image.NewRGBA(image.Rect(0, 0, chartWidth, height))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	colour := map[string]color.RGBA{}
	for i, v := range r.Variants {
		colour[v.Name] = palette[i%len(palette)]
	}
	black := color.RGBA{0, 0, 0, 0xff}
	grey := color.RGBA{0x55, 0x55, 0x55, 0xff}

	y := margin
	text(img, margin, y+13, black, fmt.Sprintf("regsetup benchmark %s — %d CPUs, %d reps, bcrypt cost %d (bars: median; whiskers: min–max; ×direct: times worse than the bare registry)",
		r.Started.Format("2006-01-02"), r.Host.CPUs, r.Settings.Reps, r.Settings.BcryptCost))
	y += titleH
	for _, m := range r.Metrics {
		rows := r.rows(m.ID)
		if len(rows) == 0 {
			continue
		}
		better := "lower is better"
		if m.Higher {
			better = "higher is better"
		}
		text(img, margin, y+15, black, fmt.Sprintf("%s [%s, %s]", m.Title, m.Unit, better))
		y += titleH
		top := 0.0
		for _, s := range rows {
			top = max(top, s.Max, s.Median)
		}
		scale := 0.0
		if top > 0 {
			scale = barMax / top
		}
		for _, s := range rows {
			text(img, margin, y+12, black, s.Variant)
			x0 := margin + labelWidth
			bw := int(s.Median * scale)
			fill(img, image.Rect(x0, y, x0+max(bw, 1), y+barHeight), colour[s.Variant])
			lo, hi := x0+int(s.Min*scale), x0+int(s.Max*scale)
			fill(img, image.Rect(lo, y+barHeight/2-1, max(hi, lo+1), y+barHeight/2+1), black)
			fill(img, image.Rect(lo, y+3, lo+1, y+barHeight-3), black)
			fill(img, image.Rect(hi, y+3, hi+1, y+barHeight-3), black)
			label := format(s.Median)
			if s.Ratio > 0 {
				label += fmt.Sprintf("  ×%.2f", s.Ratio)
			}
			text(img, max(x0+bw, hi)+6, y+12, grey, label)
			y += barHeight + rowGap
		}
		y += panelGap
	}
	return png.Encode(w, img)
}

func fill(img *image.RGBA, r image.Rectangle, c color.Color) {
	draw.Draw(img, r, &image.Uniform{c}, image.Point{}, draw.Src)
}

// ascii replaces what basicfont cannot draw.
var ascii = strings.NewReplacer("×", "x", "–", "-", "—", "-")

// text draws s with its baseline at (x, y).
func text(img *image.RGBA, x, y int, c color.Color, s string) {
	d := &font.Drawer{Dst: img, Src: &image.Uniform{c}, Face: basicfont.Face7x13, Dot: fixed.P(x, y)}
	d.DrawString(ascii.Replace(s))
}
