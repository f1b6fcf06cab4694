# Reference values for commercie_analysis.polychoric (tests/test_polychoric.py).
#
# Run from the repository root:
#     Rscript tests/reference/r/polychoric.R
# It reads data/raw/bfi.csv and psychTools::ability, writes
# tests/fixtures/ability.csv (the ability items, so that the tests need no R) and
# tests/reference/polychoric.json.
#
# Every entry of the JSON carries the R call that made it; the versions of R,
# psych, psychTools, polycor, mnormt and GPArotation are stored under "versions".

suppressPackageStartupMessages({
  library(psych)
  library(polycor)
  library(jsonlite)
})

items <- c(paste0("A", 1:5), paste0("C", 1:5), paste0("E", 1:5),
           paste0("N", 1:5), paste0("O", 1:5))
bfi <- read.csv("data/raw/bfi.csv")
x <- bfi[, items]
cc <- x[complete.cases(x), ]
stopifnot(nrow(cc) == 2436)

as_matrix <- function(m) {
  m <- as.matrix(m)
  list(rows = rownames(m), cols = colnames(m), values = unname(m))
}

out <- list()
out$versions <- list(
  R = R.version.string,
  psych = as.character(packageVersion("psych")),
  psychTools = as.character(packageVersion("psychTools")),
  polycor = as.character(packageVersion("polycor")),
  mnormt = as.character(packageVersion("mnormt")),
  GPArotation = as.character(packageVersion("GPArotation"))
)
out$data <- paste(
  "bfi: data/raw/bfi.csv, items A1..O5; cc = complete cases (2436 rows);",
  "x = all 2800 rows with missing answers.",
  "ability: psychTools::ability (1525 x 16, 0/1 with missing), copied to",
  "tests/fixtures/ability.csv."
)

# Polychoric matrix of the bfi complete cases, psych defaults (global thresholds,
# correct = 0.5, smooth = TRUE).
p_cc <- polychoric(cc)
out$bfi_complete <- list(
  call = "polychoric(cc)",
  rho = as_matrix(p_cc$rho),
  tau = as_matrix(p_cc$tau)
)

# Exploratory factor analysis of that matrix.
f <- fa(p_cc$rho, nfactors = 5, n.obs = nrow(cc), fm = "minres",
        rotate = "oblimin")
out$fa_minres_oblimin_5_on_bfi_complete_polychoric <- list(
  call = paste(
    "fa(polychoric(cc)$rho, nfactors = 5, n.obs = 2436, fm = \"minres\",",
    "rotate = \"oblimin\")"
  ),
  loadings = as_matrix(unclass(f$loadings)),
  phi = as_matrix(f$Phi),
  communalities = unname(f$communality),
  uniquenesses = unname(f$uniquenesses)
)

# All 2800 rows: pairwise use of missing answers, thresholds from each item's
# whole marginal.
p_all <- polychoric(x)
out$bfi_all_rows <- list(
  call = "polychoric(x)",
  rho = as_matrix(p_all$rho),
  tau = as_matrix(p_all$tau)
)

# Thresholds from each pair's own table, with the 0.5 continuity correction of
# empty cells (global = FALSE), first ten items of the complete cases.
p_local <- polychoric(cc[, 1:10], global = FALSE)
out$bfi_complete_local <- list(
  call = "polychoric(cc[, 1:10], global = FALSE)",
  rho = as_matrix(p_local$rho)
)

# The same on a small sample, whose pair tables have empty cells to correct.
small <- cc[1:200, c("A1", "A2", "C1", "N1", "O2")]
p_small <- polychoric(small, global = FALSE)
out$bfi_small_local <- list(
  call = "polychoric(cc[1:200, c(\"A1\", \"A2\", \"C1\", \"N1\", \"O2\")], global = FALSE)",
  rho = as_matrix(p_small$rho)
)

# Tetrachoric correlations of the ability items (with missing answers).
data(ability, package = "psychTools")
write.csv(ability, "tests/fixtures/ability.csv", row.names = FALSE, na = "")
t_ab <- tetrachoric(ability)
out$ability <- list(
  call = "data(ability, package = \"psychTools\"); tetrachoric(ability)",
  rho = as_matrix(t_ab$rho),
  tau = unname(t_ab$tau)
)

# Tetrachoric correlations of dichotomised bfi items (answer >= 4 -> 1).
dich <- (cc[, 1:10] >= 4) * 1
t_dich <- tetrachoric(dich)
out$bfi_dichotomised <- list(
  call = "tetrachoric((cc[, 1:10] >= 4) * 1)",
  rho = as_matrix(t_dich$rho),
  tau = unname(t_dich$tau)
)

# A 2 x 2 table with an empty cell: the 0.5 continuity correction.
zx <- c(rep(0, 20), rep(1, 45))
zy <- c(rep(0, 20), rep(0, 15), rep(1, 30))
t_zero <- tetrachoric(cbind(zx, zy))
out$tetrachoric_empty_cell <- list(
  call = paste(
    "tetrachoric(cbind(c(rep(0, 20), rep(1, 45)),",
    "c(rep(0, 20), rep(0, 15), rep(1, 30))))"
  ),
  x = zx,
  y = zy,
  rho = t_zero$rho[1, 2],
  tau = unname(t_zero$tau)
)

# Standard errors: polycor's two-step estimate (thresholds from the margins, then
# the ML correlation; the standard error from the curvature of the likelihood in
# rho alone). On complete cases its thresholds equal the global ones.
pairs <- list(c("A1", "A2"), c("C1", "N3"), c("E1", "O5"), c("N1", "N2"))
out$polycor_two_step <- lapply(pairs, function(p) {
  r <- polychor(cc[[p[1]]], cc[[p[2]]], std.err = TRUE, ML = FALSE)
  list(
    call = sprintf("polychor(cc$%s, cc$%s, std.err = TRUE, ML = FALSE)",
                   p[1], p[2]),
    x = p[1], y = p[2], rho = unname(r$rho), se = sqrt(r$var[1, 1]),
    thresholds_x = unname(r$row.cuts), thresholds_y = unname(r$col.cuts)
  )
})

# cor.smooth of a matrix that is not positive definite.
bad <- matrix(c(1, 0.9, 0.9, -0.5,
                0.9, 1, 0.9, 0.2,
                0.9, 0.9, 1, -0.6,
                -0.5, 0.2, -0.6, 1), 4, 4)
colnames(bad) <- rownames(bad) <- c("a", "b", "c", "d")
out$cor_smooth <- list(
  call = "cor.smooth(bad)",
  input = as_matrix(bad),
  smoothed = as_matrix(suppressWarnings(cor.smooth(bad))),
  eigenvalues = eigen(bad)$values
)

writeLines(
  toJSON(out, digits = NA, auto_unbox = TRUE, matrix = "rowmajor", pretty = TRUE),
  "tests/reference/polychoric.json"
)
