// Package clinic serves the appointment and patient-record API used by the
// front-desk app and the patient portal (gin + sqlx on PostgreSQL).
package clinic

import (
	"fmt"
	"html"
	"log"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq"
)

const (
	// recordsRoot holds scanned referral letters and lab results, one folder per patient.
	recordsRoot        = "/srv/clinic/records"
	appointmentColumns = "a.id, a.patient_id, a.doctor_id, a.starts_at, a.reason, a.status"
	reportingDSN       = "postgres://clinic_ro:Vq8rT2mLx94kZpWe@db.internal.example:5432/clinic?sslmode=require" // expect: GO-SECRET-001
)

var sortColumns = map[string]string{"start": "a.starts_at", "doctor": "d.last_name", "patient": "p.last_name"}

type Appointment struct {
	ID        int64     `db:"id" json:"id"`
	PatientID int64     `db:"patient_id" json:"patient_id"`
	DoctorID  int64     `db:"doctor_id" json:"doctor_id"`
	StartsAt  time.Time `db:"starts_at" json:"starts_at"`
	Reason    string    `db:"reason" json:"reason"`
	Status    string    `db:"status" json:"status"`
}

type Repository struct {
	db *sqlx.DB
}

// OpenRepository connects to the primary, or with reporting set to the read replica used by dashboards.
func OpenRepository(reporting bool) (*Repository, error) {
	dsn := os.Getenv("CLINIC_DSN")
	if reporting {
		dsn = reportingDSN
	}
	db, err := sqlx.Open("postgres", dsn)
	return &Repository{db: db}, err
}

// ListForDay returns the appointments of one clinic on one day, ordered as the desk asked.
func (r *Repository) ListForDay(clinic string, day time.Time, sort string) ([]Appointment, error) {
	order, ok := sortColumns[sort]
	if !ok {
		order = "a.starts_at"
	}
	query := `SELECT ` + appointmentColumns + ` FROM appointments a
		JOIN doctors d ON d.id = a.doctor_id JOIN patients p ON p.id = a.patient_id
		WHERE a.clinic_id = $1 AND a.starts_at::date = $2 ORDER BY ` + order
	var out []Appointment
	err := r.db.Select(&out, query, clinic, day.Format("2006-01-02")) // ok: GO-SQLI-001
	return out, err
}

// SearchByReason backs the triage dashboard ("every appointment mentioning a rash").
func (r *Repository) SearchByReason(clinic, term, status string) ([]Appointment, error) {
	where := fmt.Sprintf("a.clinic_id = '%s' AND a.reason ILIKE '%%%s%%'", clinic, term)
	if status != "" {
		where += " AND a.status = '" + status + "'"
	}
	var out []Appointment
	err := r.db.Select(&out, "SELECT "+appointmentColumns+" FROM appointments a WHERE "+where) // expect: GO-SQLI-001
	return out, err
}

func (r *Repository) Cancel(id int64) error {
	_, err := r.db.Exec(fmt.Sprintf("UPDATE appointments SET status = 'cancelled' WHERE id = %d", id)) // ok: GO-SQLI-001
	return err
}

type Handler struct {
	repo *Repository
	log  *slog.Logger
}

func (h *Handler) Register(g *gin.RouterGroup) {
	g.GET("/appointments/search", h.search)
	g.POST("/appointments/:id/cancel", h.cancel)
	g.GET("/patients/:patientID/records/:file", h.downloadRecord)
	g.GET("/patients/:patientID/letters", h.downloadLetter)
	g.GET("/appointments/:id/reminder", h.reminderPreview)
}

func (h *Handler) search(c *gin.Context) {
	term := c.Query("q")
	log.Printf("triage search by staff %s: %s", c.GetString("staffID"), term) // expect: GO-LOG-001
	appts, err := h.repo.SearchByReason(c.GetString("clinicID"), term, c.Query("status"))
	if err != nil {
		c.JSON(http.StatusInternalServerError, gin.H{"error": err.Error()}) // expect: GO-ERRLEAK-001
		return
	}
	c.JSON(http.StatusOK, appts)
}

func (h *Handler) cancel(c *gin.Context) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		c.JSON(http.StatusBadRequest, gin.H{"error": err.Error()}) // ok: GO-ERRLEAK-001
		return
	}
	// TODO: check that the appointment belongs to the caller's clinic before cancelling it // expect: GO-TODO-001
	if err := h.repo.Cancel(id); err != nil {
		h.log.Error("cancel appointment", "id", id, "err", err)
		c.JSON(http.StatusInternalServerError, gin.H{"error": "could not cancel"})
		return
	}
	h.log.Info("appointment cancelled", "id", id, "note", c.Query("note")) // ok: GO-LOG-001
	c.Status(http.StatusNoContent)
}

func (h *Handler) downloadRecord(c *gin.Context) {
	c.FileAttachment(filepath.Join(recordsRoot, c.Param("patientID"), c.Param("file")), c.Param("file")) // expect: GO-PATH-001
}

func (h *Handler) downloadLetter(c *gin.Context) {
	patientID, err := strconv.ParseInt(c.Param("patientID"), 10, 64)
	name := c.Query("name")
	if err != nil || !filepath.IsLocal(name) || filepath.Base(name) != name {
		c.JSON(http.StatusBadRequest, gin.H{"error": "invalid letter"})
		return
	}
	c.File(filepath.Join(recordsRoot, strconv.FormatInt(patientID, 10), "letters", name)) // ok: GO-PATH-001
}

func (h *Handler) reminderPreview(c *gin.Context) {
	var row struct {
		Name     string    `db:"full_name"`
		StartsAt time.Time `db:"starts_at"`
	}
	err := h.repo.db.Get(&row, `SELECT p.full_name, a.starts_at FROM appointments a
		JOIN patients p ON p.id = a.patient_id WHERE a.id = $1`, c.Param("id"))
	if err != nil {
		c.String(http.StatusNotFound, "no such appointment")
		return
	}
	c.Header("Content-Type", "text/html; charset=utf-8")
	fmt.Fprintf(c.Writer, "<h2>Reminder for %s</h2>", html.EscapeString(row.Name)) // ok: GO-XSS-001
	fmt.Fprintf(c.Writer, "<p>See you on %s.</p><p>%s</p>", row.StartsAt.Format(time.RFC1123), c.Query("note")) // expect: GO-XSS-001
}
