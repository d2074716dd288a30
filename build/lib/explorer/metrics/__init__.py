"""Measures of quality: MSE, PSNR, SSIM, ROC; FID-c; the zoo's evaluation."""
