# Reference values for tests/test_scoring_*.py: unit-weighted scores (scoreItems)
# and factor-score weights and scores (factor.scores) from R psych.
# Run from the repository root:  Rscript tests/reference/r/scoring.R
suppressPackageStartupMessages({
  library(psych)
  library(GPArotation)
  library(jsonlite)
})

bfi <- read.csv("data/raw/bfi.csv")
items <- bfi[, 2:26]
ids <- bfi$respondent_id
complete <- complete.cases(items)
cc <- items[complete, ]
cc_ids <- ids[complete]

# The published bfi key (psychTools::bfi.keys): "-" marks reverse-keyed items.
keys_list <- list(
  agreeableness = c("-A1", "A2", "A3", "A4", "A5"),
  conscientiousness = c("C1", "C2", "C3", "-C4", "-C5"),
  extraversion = c("-E1", "-E2", "E3", "E4", "E5"),
  neuroticism = c("N1", "N2", "N3", "N4", "N5"),
  openness = c("O1", "-O2", "O3", "O4", "-O5")
)
keys <- make.keys(cc, keys_list)
si <- scoreItems(keys, cc, totals = FALSE, impute = "none")

matrix_json <- function(m) {
  list(rows = rownames(m), cols = colnames(m), values = unname(split(m, row(m))))
}

# Factor-score weights on the 5-factor minres oblimin solution of the complete cases.
f5 <- fa(cc, nfactors = 5, fm = "minres", rotate = "oblimin")
L <- unclass(f5$loadings)
Phi <- f5$Phi
colnames(Phi) <- rownames(Phi) <- colnames(L)
R <- cor(cc)
bfi_weights <- list()
bfi_scores <- list()
for (m in c("Thurstone", "Bartlett", "tenBerge")) {
  fs <- factor.scores(R, L, Phi = Phi, method = m)
  w <- fs$weights
  dimnames(w) <- dimnames(L)
  bfi_weights[[m]] <- matrix_json(w)
  sc <- factor.scores(cc, L, Phi = Phi, method = m)$scores[1:20, ]
  rownames(sc) <- cc_ids[1:20]
  colnames(sc) <- colnames(L)
  bfi_scores[[m]] <- matrix_json(sc)
}

# A small hand-made two-factor case (6 items, correlated factors).
L2 <- matrix(c(0.8, 0.7, 0.6, 0.0, 0.1, -0.1,
               0.0, 0.1, 0.0, 0.7, 0.6, 0.5), ncol = 2,
             dimnames = list(paste0("i", 1:6), c("F1", "F2")))
Phi2 <- matrix(c(1, 0.3, 0.3, 1), 2, dimnames = list(c("F1", "F2"), c("F1", "F2")))
R2 <- L2 %*% Phi2 %*% t(L2)
diag(R2) <- 1
small_weights <- list()
for (m in c("Thurstone", "Bartlett", "tenBerge")) {
  w <- factor.scores(R2, L2, Phi = Phi2, method = m)$weights
  dimnames(w) <- dimnames(L2)
  small_weights[[m]] <- matrix_json(w)
}

sc_all <- si$scores
rownames(sc_all) <- cc_ids
out <- list(
  provenance = list(
    r_version = R.version.string,
    psych = as.character(packageVersion("psych")),
    gparotation = as.character(packageVersion("GPArotation")),
    data = "data/raw/bfi.csv (psychTools::bfi), items A1..O5, complete cases",
    script = "tests/reference/r/scoring.R"
  ),
  score_items = list(
    call = "scoreItems(make.keys(cc, keys_list), cc, totals = FALSE, impute = 'none')$scores",
    keys = keys_list,
    n = nrow(cc),
    scores = matrix_json(sc_all)
  ),
  factor_scores_bfi = list(
    call_solution = "fa(cc, nfactors = 5, fm = 'minres', rotate = 'oblimin')",
    call_weights = "factor.scores(cor(cc), L, Phi = Phi, method = m)$weights",
    call_scores = "factor.scores(cc, L, Phi = Phi, method = m)$scores[1:20, ]",
    loadings = matrix_json(L),
    phi = matrix_json(Phi),
    weights = bfi_weights,
    scores_first_20 = bfi_scores
  ),
  factor_scores_small = list(
    call = "factor.scores(R2, L2, Phi = Phi2, method = m)$weights; R2 = L2 Phi2 L2' with unit diagonal",
    correlation = matrix_json(R2),
    loadings = matrix_json(L2),
    phi = matrix_json(Phi2),
    weights = small_weights
  )
)
write(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = FALSE),
      "tests/reference/scoring.json")
cat("wrote tests/reference/scoring.json\n")
