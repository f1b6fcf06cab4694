# Reference values for tests/test_segmentation.py: Gaussian mixtures (latent profile
# models) fitted by R mclust on the market-profile scores of the bundled simulated
# data (tests/fixtures/lpa_market_scores.csv), and adjusted Rand indices.
# Run from the repository root:  Rscript tests/reference/r/segmentation.R
suppressPackageStartupMessages({
  library(mclust)
  library(jsonlite)
})

scores <- read.csv("tests/fixtures/lpa_market_scores.csv")
X <- as.matrix(scores[, c("adviseur", "ervaringsdeskundige", "relatiebouwer",
                          "afsluiter", "klantfocus")])
n <- nrow(X)

entropy <- function(z) {
  k <- ncol(z)
  if (k < 2) return(NA)
  z <- pmax(z, 1e-300)
  1 - sum(-z * log(z)) / (n * log(k))
}

fits <- list()
for (model in c("VVI", "VVV")) {
  for (g in 1:3) {
    fit <- Mclust(X, G = g, modelNames = model, verbose = FALSE)
    fits[[length(fits) + 1]] <- list(
      model = model,
      n_classes = g,
      call = sprintf('Mclust(X, G = %d, modelNames = "%s")', g, model),
      log_likelihood = fit$loglik,
      df = fit$df,
      bic_mclust = fit$bic,
      entropy = entropy(fit$z),
      sizes = sort(as.vector(table(factor(fit$classification, levels = 1:g))),
                   decreasing = TRUE)
    )
  }
}

# EM started from the classification scikit-learn's best of 10 starts found
# (tests/fixtures/lpa_market_starts.csv, made by fit_mixture(X, k,
# covariance_type=..., n_init=10)): mclust's own single start from hierarchical
# clustering ends at a lower likelihood for k >= 2 here, so the comparison of the
# estimates uses the same start.
starts <- read.csv("tests/fixtures/lpa_market_starts.csv")
from_start <- list()
for (model in c("VVI", "VVV")) {
  for (g in 2:3) {
    column <- sprintf("%s_%d", model, g)
    fit <- me(X, modelName = model, z = unmap(starts[[column]]),
              control = emControl(tol = c(1e-12, 1e-12)))
    from_start[[length(from_start) + 1]] <- list(
      model = model,
      n_classes = g,
      call = sprintf(paste0('me(X, modelName = "%s", z = unmap(starts$%s), ',
                            'control = emControl(tol = c(1e-12, 1e-12)))'),
                     model, column),
      log_likelihood = fit$loglik,
      entropy = entropy(fit$z),
      means = unname(split(t(fit$parameters$mean), seq_len(g))),
      sizes = sort(as.vector(table(factor(map(fit$z), levels = 1:g))),
                   decreasing = TRUE)
    )
  }
}

# ARI of the 3-class VVI solution against the hypothesised profiles
fit3 <- Mclust(X, G = 3, modelNames = "VVI", verbose = FALSE)
ari <- adjustedRandIndex(fit3$classification, scores$profile)
toy_a <- c(1, 1, 2, 2, 3, 3, 3, 1)
toy_b <- c("x", "x", "y", "y", "y", "z", "z", "z")

out <- list(
  provenance = list(
    r = R.version.string,
    mclust = as.character(packageVersion("mclust")),
    data = "tests/fixtures/lpa_market_scores.csv (300 rows, 5 scores)",
    note = "mclust BIC = 2 logLik - df ln n, the negative of scikit-learn's bic"
  ),
  fits = fits,
  from_start = from_start,
  ari_vvi3_vs_profiles = ari,
  toy = list(a = toy_a, b = toy_b, ari = adjustedRandIndex(toy_a, toy_b))
)
write_json(out, "tests/reference/segmentation.json", auto_unbox = TRUE,
           digits = NA, pretty = TRUE)
