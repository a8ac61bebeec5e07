// Package booking is the guest-facing API of a small hotel group's reservation
// system (gin + database/sql on PostgreSQL). Attacker data: every part of the
// HTTP requests sent by the public booking site and the mobile app (query
// strings, path parameters, JSON bodies), and the channel-manager webhook,
// whose body is signed by the partner but carries guest-typed text.
package booking

import (
	"cmp"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"io"
	"log"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
)

const (
	invoiceDir = "/srv/hotel/invoices"
	receiptDir = "/srv/hotel/receipts"
)

// Fallback keeps local development working when the vault agent is not running.
var paymentGatewaySecret = cmp.Or(os.Getenv("PAYGATE_SIGNING_SECRET"), "pg_7c1e9a04d2b86f35e0a9c4d1") // expect: GO-SECRET-001

// sortColumns maps the public sort keys onto real column names.
var sortColumns = map[string]string{"price": "r.nightly_rate", "rating": "h.rating", "name": "h.name"}

type BookingAPI struct {
	DB            *sql.DB
	ChannelSecret []byte
}

type roomSearch struct {
	City    string `form:"city" binding:"required"`
	Sort    string `form:"sort"`
	Guests  int    `form:"guests"`
}

func (a *BookingAPI) SearchRooms(c *gin.Context) {
	var q roomSearch
	if err := c.ShouldBindQuery(&q); err != nil {
		c.JSON(http.StatusBadRequest, gin.H{"error": err.Error()}) // ok: GO-ERRLEAK-001
		return
	}
	order, ok := sortColumns[q.Sort]
	if !ok {
		order = "r.nightly_rate"
	}
	stmt := "SELECT r.id, h.name, r.nightly_rate FROM rooms r JOIN hotels h ON h.id = r.hotel_id " +
		"WHERE h.city = $1 AND r.max_guests >= $2 ORDER BY " + order + " LIMIT 50"
	rows, err := a.DB.QueryContext(c, stmt, q.City, q.Guests) // ok: GO-SQLI-001
	if err != nil {
		slog.Error("room search failed", "err", err)
		c.JSON(http.StatusInternalServerError, gin.H{"error": "search is unavailable"})
		return
	}
	defer rows.Close()
	c.JSON(http.StatusOK, scanRooms(rows))
}

func (a *BookingAPI) Availability(c *gin.Context) {
	hotel, from, to := c.Param("hotel"), c.Query("from"), c.Query("to")
	query := "SELECT r.id, r.name, COUNT(*) FROM availability a JOIN rooms r ON r.id = a.room_id WHERE a.hotel_slug = '" + hotel +
		"' AND a.day BETWEEN '" + from + "' AND '" + to + "' GROUP BY r.id, r.name"
	rows, err := a.DB.QueryContext(c, query) // expect: GO-SQLI-001
	if err != nil {
		c.String(http.StatusInternalServerError, "availability lookup failed: %v", err) // expect: GO-ERRLEAK-001
		return
	}
	defer rows.Close()
	c.JSON(http.StatusOK, scanRooms(rows))
}

func (a *BookingAPI) DownloadInvoice(c *gin.Context) {
	file := c.Query("file")
	c.FileAttachment(filepath.Join(invoiceDir, file), "invoice.pdf") // expect: GO-PATH-001
}

func (a *BookingAPI) DownloadReceipt(c *gin.Context) {
	name := filepath.Base(c.Param("name"))
	c.File(filepath.Join(receiptDir, name)) // ok: GO-PATH-001
}

func (a *BookingAPI) GuestLogin(c *gin.Context) {
	var in struct{ Email, Password string }
	if err := c.ShouldBindJSON(&in); err != nil {
		c.JSON(http.StatusBadRequest, gin.H{"error": "invalid request"})
		return
	}
	var stored, salt string
	err := a.DB.QueryRowContext(c, "SELECT password_sha256, salt FROM guests WHERE email = $1", in.Email).Scan(&stored, &salt)
	if err == sql.ErrNoRows {
		c.JSON(http.StatusNotFound, gin.H{"error": "we have no guest profile under that email"}) // expect: GO-ENUM-001
		return
	}
	sum := sha256.Sum256([]byte(salt + in.Password)) // expect: GO-HASH-001
	if hex.EncodeToString(sum[:]) != stored { // expect: GO-TIMING-001
		c.JSON(http.StatusUnauthorized, gin.H{"error": "that password does not match the profile"}) // expect: GO-ENUM-001
		return
	}
	log.Printf("guest signed in: %s", in.Email) // expect: GO-LOG-001
	c.SetCookie("guest_session", uuid.NewString(), 86400, "/", "", false, true) // expect: GO-COOKIE-001
	c.SetCookie("currency", strings.ToUpper(c.DefaultQuery("currency", "EUR")), 86400*30, "/", "", false, false) // ok: GO-COOKIE-001
	c.JSON(http.StatusOK, gin.H{"ok": true})
}

// ChannelWebhook receives reservations made on third-party booking channels.
func (a *BookingAPI) ChannelWebhook(c *gin.Context) {
	body, err := io.ReadAll(io.LimitReader(c.Request.Body, 1<<20))
	if err != nil {
		c.Status(http.StatusBadRequest)
		return
	}
	mac := hmac.New(sha256.New, a.ChannelSecret)
	mac.Write(body)
	sig, _ := hex.DecodeString(c.GetHeader("X-Channel-Signature"))
	if !hmac.Equal(sig, mac.Sum(nil)) { // ok: GO-TIMING-001
		c.Status(http.StatusUnauthorized)
		return
	}
	slog.Info("channel reservation received", "guest", c.GetHeader("X-Channel-Guest"), "bytes", len(body)) // ok: GO-LOG-001
	c.Status(http.StatusAccepted)
}

// PaymentReturn is where the card processor sends the guest back after 3-D Secure.
func (a *BookingAPI) PaymentReturn(c *gin.Context) {
	back := c.DefaultQuery("return_to", "/my/bookings")
	c.Redirect(http.StatusSeeOther, back) // expect: GO-REDIRECT-001
}

// Continue sends the guest on after sign-in, but only inside this site.
func (a *BookingAPI) Continue(c *gin.Context) {
	next := c.Query("next")
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.Contains(next, "\\") {
		next = "/my/bookings"
	}
	c.Redirect(http.StatusFound, next) // ok: GO-REDIRECT-001
}

func scanRooms(rows *sql.Rows) (out []gin.H) {
	for rows.Next() {
		var id, name string
		var rate int64
		if rows.Scan(&id, &name, &rate) == nil {
			out = append(out, gin.H{"id": id, "name": name, "rate": rate})
		}
	}
	return out
}
