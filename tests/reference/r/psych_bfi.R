# Reference values for the reliability, factorability, number-of-factors and
# exploratory factor analysis tests, computed with R psych on the bfi items.
# Run from the repository root:  Rscript tests/reference/r/psych_bfi.R
# Writes tests/reference/psych_bfi.json.
suppressPackageStartupMessages({library(psych); library(GPArotation); library(jsonlite)})

bfi <- read.csv("data/raw/bfi.csv")
items <- bfi[, c(paste0("A", 1:5), paste0("C", 1:5), paste0("E", 1:5),
                 paste0("N", 1:5), paste0("O", 1:5))]
cc <- items[complete.cases(items), ]
r <- cor(cc)
n <- nrow(cc)

mat <- function(m) list(rows = rownames(m), cols = colnames(m),
                        values = unname(lapply(seq_len(nrow(m)), function(i) unname(m[i, ]))))

keys <- list(agreeableness = c("-A1", "A2", "A3", "A4", "A5"),
             conscientiousness = c("C1", "C2", "C3", "-C4", "-C5"),
             extraversion = c("-E1", "-E2", "E3", "E4", "E5"),
             neuroticism = c("N1", "N2", "N3", "N4", "N5"),
             openness = c("O1", "-O2", "O3", "O4", "-O5"))
alpha_ref <- lapply(keys, function(k) {
  its <- sub("-", "", k)
  rev <- its[startsWith(k, "-")]
  a <- alpha(cc[, its], keys = rev, warnings = FALSE)
  list(raw_alpha = a$total$raw_alpha, std_alpha = a$total$std.alpha,
       average_r = a$total$average_r,
       r_drop = as.list(setNames(a$item.stats$r.drop, its)),
       alpha_if_dropped = as.list(setNames(a$alpha.drop$raw_alpha, its)),
       mean = as.list(setNames(a$item.stats$mean, its)),
       sd = as.list(setNames(a$item.stats$sd, its)),
       feldt_lower = as.numeric(a$feldt$lower.ci), feldt_upper = as.numeric(a$feldt$upper.ci),
       ase = a$total$ase)
})

k <- KMO(r)
b <- cortest.bartlett(r, n = n)

fa_out <- function(f, stats = FALSE) {
  out <- list(loadings = mat(unclass(f$loadings)),
              communality = unname(f$communality))
  if (!is.null(f$Phi)) out$phi <- mat(f$Phi)
  if (stats) out <- c(out, list(chi_square = f$STATISTIC, dof = f$dof,
                                rmsea = unname(f$RMSEA[1]), tli = f$TLI, bic = f$BIC,
                                objective = f$objective))
  out
}
f_minres <- fa(r, 5, n.obs = n, fm = "minres", rotate = "oblimin")
f_ml <- fa(r, 5, n.obs = n, fm = "ml", rotate = "varimax")
f_pa <- fa(r, 5, n.obs = n, fm = "pa", rotate = "oblimin")
f_minres_none <- fa(r, 5, n.obs = n, fm = "minres", rotate = "none")
f_minres_3 <- fa(r, 3, n.obs = n, fm = "minres", rotate = "oblimin")

v <- VSS(r, n = 10, n.obs = n, plot = FALSE)
f1 <- fa(r, 1, fm = "minres", rotate = "none", warnings = FALSE)

out <- list(
  meta = list(
    R = R.version.string,
    psych = as.character(packageVersion("psych")),
    GPArotation = as.character(packageVersion("GPArotation")),
    data = "data/raw/bfi.csv (psychTools::bfi) items A1..O5, complete cases",
    n_complete = n,
    calls = list(
      alpha = "alpha(cc[, items], keys = reversed_items) per scale of bfi.keys; $feldt for the 95% interval, $total$ase for the standard error",
      kmo = "KMO(cor(cc))",
      bartlett = "cortest.bartlett(cor(cc), n = nrow(cc))",
      fa_minres_oblimin_5 = "fa(cor(cc), 5, n.obs = n, fm = 'minres', rotate = 'oblimin')",
      fa_ml_varimax_5 = "fa(cor(cc), 5, n.obs = n, fm = 'ml', rotate = 'varimax')",
      fa_pa_oblimin_5 = "fa(cor(cc), 5, n.obs = n, fm = 'pa', rotate = 'oblimin')",
      fa_minres_none_5 = "fa(cor(cc), 5, n.obs = n, fm = 'minres', rotate = 'none')",
      fa_minres_oblimin_3 = "fa(cor(cc), 3, n.obs = n, fm = 'minres', rotate = 'oblimin')",
      map = "VSS(cor(cc), n = 10, n.obs = n)$map",
      factor_eigenvalues = "fa(cor(cc), 1, fm = 'minres', rotate = 'none')$values (as fa.parallel's observed factor eigenvalues)"
    )),
  alpha_by_scale = alpha_ref,
  kmo = list(overall = k$MSA, per_item = as.list(k$MSAi)),
  bartlett = list(chi_square = b$chisq, df = b$df, p_value = b$p.value),
  fa_minres_oblimin_5 = fa_out(f_minres, TRUE),
  fa_ml_varimax_5 = fa_out(f_ml, TRUE),
  fa_pa_oblimin_5 = fa_out(f_pa, TRUE),
  fa_minres_none_5 = fa_out(f_minres_none, TRUE),
  fa_minres_oblimin_3 = fa_out(f_minres_3, TRUE),
  map = unname(v$map),
  factor_eigenvalues = unname(f1$values),
  component_eigenvalues = unname(eigen(r)$values)
)
write_json(out, "tests/reference/psych_bfi.json", digits = NA, auto_unbox = TRUE,
           pretty = TRUE)
