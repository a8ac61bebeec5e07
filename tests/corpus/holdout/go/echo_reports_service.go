// Package reports serves internal report exports over echo.
package reports

import (
	"crypto/sha1"
	"database/sql"
	"encoding/hex"
	"net/http"
	"os"
	"path/filepath"

	"github.com/labstack/echo/v4"
)

const dbPassword = "Rep0rts!Prod#2024" // expect: GO-SECRET-001

const exportRoot = "/srv/exports"

type Server struct {
	DB *sql.DB
}

func NewDB() (*sql.DB, error) {
	return sql.Open("postgres", "host=db user=reports dbname=reports password="+dbPassword)
}

func digest(s string) string {
	h := sha1.Sum([]byte(s)) // expect: GO-HASH-001
	return hex.EncodeToString(h[:])
}

func (s *Server) ChangePassword(c echo.Context) error {
	newPassword := c.FormValue("new_password")
	userID := c.Get("user_id").(int64)
	_, err := s.DB.Exec("UPDATE users SET password_hash = $1 WHERE id = $2", digest(newPassword), userID)
	if err != nil {
		return c.JSON(http.StatusInternalServerError, map[string]string{"error": err.Error()}) // expect: GO-ERRLEAK-001
	}
	return c.NoContent(http.StatusNoContent)
}

// FIXME: no authorization check here, any logged-in user can read any export // expect: GO-TODO-001
func (s *Server) Export(c echo.Context) error {
	name := c.Param("name")
	return c.File(filepath.Join(exportRoot, name)) // expect: GO-PATH-001
}

func (s *Server) DeleteExport(c echo.Context) error {
	name := c.QueryParam("name")
	if err := os.Remove(exportRoot + "/" + name); err != nil { // expect: GO-PATH-001
		return c.String(http.StatusInternalServerError, "could not delete")
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) Fetch(c echo.Context) error {
	feed := c.QueryParam("feed")
	resp, err := http.Get("https://" + feed + "/export.csv") // expect: GO-SSRF-001
	if err != nil {
		return c.String(http.StatusBadGateway, "upstream error")
	}
	defer resp.Body.Close()
	return c.Stream(http.StatusOK, "text/csv", resp.Body)
}

func (s *Server) Done(c echo.Context) error {
	return c.Redirect(http.StatusFound, c.QueryParam("redirect")) // expect: GO-REDIRECT-001
}

func (s *Server) ResetRequest(c echo.Context) error {
	email := c.FormValue("email")
	var id int64
	err := s.DB.QueryRow("SELECT id FROM users WHERE email = $1", email).Scan(&id)
	if err == sql.ErrNoRows {
		return c.JSON(http.StatusNotFound, map[string]string{"error": "no account registered with this email"}) // expect: GO-ENUM-001
	}
	if err != nil {
		return c.JSON(http.StatusInternalServerError, map[string]string{"error": "internal error"})
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "reset link sent"})
}
